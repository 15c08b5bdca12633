/** The settings section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { BillingConfigBody, BillingConfigChange, LocaleBody, LocaleChange, PaymentMethodsBody, PaymentMethodsChange, SettingsOut, ShopInfoBody, ShopInfoChange, VatRateBody, VatRateCreated } from './schema.ts';
export { addVatRate, changeLocale, changeSettings, deleteVatRate, getSettings, putBillingConfig, putPaymentMethods, putShopInfo } from './service.ts';
