/** Shop settings and VAT rates (API.md "Settings"): everyone reads, managers write; each change is pushed. */
import { ROLES } from '../../domain/auth/index.ts';
import { IdParams } from '../../domain/common/index.ts';
import { BillingConfigBody, BillingConfigChange, LocaleBody, LocaleChange, PaymentMethodsBody, PaymentMethodsChange, SettingsOut, ShopInfoBody, ShopInfoChange, VatRateBody, VatRateCreated } from '../../domain/settings/index.ts';
import * as settings from '../../domain/settings/index.ts';
import { type AnyRoute, route } from '../http/route.ts';

const tag = 'settings';

export const settingsRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/shop-settings',
    summary: 'All settings of the shop with their version',
    tag,
    auth: ROLES.any,
    response: SettingsOut,
    handler: ({ principal, deps }) => settings.getSettings(deps.sql, principal.shopId),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/shop-info',
    summary: 'Shop name, address, TRN, phone, logo, hours, invoice footer → {shop_info, version}',
    tag,
    auth: ROLES.managers,
    body: ShopInfoBody,
    response: ShopInfoChange,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'shop_info', (tx) => settings.putShopInfo(tx, principal.shopId, body)),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/billing-config',
    summary: 'Payment mode, VAT-inclusive prices, default delivery and trial days, default master, bill form → {billing_config, version}',
    tag,
    auth: ROLES.managers,
    body: BillingConfigBody,
    response: BillingConfigChange,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'billing_config', (tx) =>
        settings.putBillingConfig(tx, principal.shopId, body),
      ),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/payment-methods',
    summary: 'The payment methods the shop takes, in display order → {payment_methods, version}',
    tag,
    auth: ROLES.managers,
    body: PaymentMethodsBody,
    response: PaymentMethodsChange,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'payment_methods', (tx) =>
        settings.putPaymentMethods(tx, principal.shopId, body),
      ),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/locale',
    summary: 'Currency, time zone, date format, language → {locale, version}',
    tag,
    auth: ROLES.managers,
    body: LocaleBody,
    response: LocaleChange,
    handler: async ({ body, principal, deps }) => {
      const r = await settings.changeLocale(deps.sql, deps.notifier, principal.shopId, body);
      return r;
    },
  }),
  route({
    method: 'post',
    path: '/api/vat-rates',
    summary: 'Add a VAT rate → 201 the rate, with the settings version it made; a later start closes the open-ended rate the day before',
    tag,
    auth: ROLES.managers,
    body: VatRateBody,
    status: 201,
    response: VatRateCreated,
    handler: async ({ body, principal, deps }) => {
      // the push carries the whole section (every rate: adding one may close another); the answer the created rate
      let created: Awaited<ReturnType<typeof settings.addVatRate>>['rate'] | undefined;
      const { version } = await settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'vat_rates', async (tx) => {
        const r = await settings.addVatRate(tx, principal.shopId, body);
        created = r.rate;
        return r.rates;
      });
      return { ...created!, version };
    },
  }),
  route({
    method: 'delete',
    path: '/api/vat-rates/:id',
    summary: 'Remove a VAT rate; the rate before it covers the gap (bills keep the rate they were computed with)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: ({ params, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'vat_rates', (tx) =>
        settings.deleteVatRate(tx, principal.shopId, params.id),
      ),
  }),
];
