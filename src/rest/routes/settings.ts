/** Shop settings and VAT rates (API.md "Settings"): everyone reads, managers write; each change is pushed. */
import { ROLES } from '../../domain/auth/principal.ts';
import { IdParams } from '../../domain/common/schema.ts';
import { BillingConfigBody, LocaleBody, PaymentMethodsBody, ShopInfoBody, VatRateBody } from '../../domain/settings/schema.ts';
import * as settings from '../../domain/settings/service.ts';
import { type AnyRoute, route } from '../http/route.ts';

const tag = 'settings';

export const settingsRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/shop-settings',
    summary: 'All settings of the shop with their version',
    tag,
    auth: ROLES.any,
    handler: ({ principal, deps }) => settings.getSettings(deps.sql, principal.shopId),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/shop-info',
    summary: 'Shop name, address, TRN, phone, logo, hours, invoice footer',
    tag,
    auth: ROLES.managers,
    body: ShopInfoBody,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'shop_info', (tx) => settings.putShopInfo(tx, principal.shopId, body)),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/billing-config',
    summary: 'Payment mode, VAT-inclusive prices, default delivery and trial days, default master, bill form',
    tag,
    auth: ROLES.managers,
    body: BillingConfigBody,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'billing_config', (tx) => settings.putBillingConfig(tx, principal.shopId, body)),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/payment-methods',
    summary: 'The payment methods the shop takes, in display order',
    tag,
    auth: ROLES.managers,
    body: PaymentMethodsBody,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'payment_methods', (tx) => settings.putPaymentMethods(tx, principal.shopId, body)),
  }),
  route({
    method: 'put',
    path: '/api/shop-settings/locale',
    summary: 'Currency, time zone, date format, language',
    tag,
    auth: ROLES.managers,
    body: LocaleBody,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'locale', (tx) => settings.putLocale(tx, principal.shopId, body)),
  }),
  route({
    method: 'post',
    path: '/api/vat-rates',
    summary: 'Add a VAT rate with its effective dates (an open-ended current rate is closed the day before)',
    tag,
    auth: ROLES.managers,
    body: VatRateBody,
    status: 201,
    handler: ({ body, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'vat_rates', (tx) => settings.addVatRate(tx, principal.shopId, body)),
  }),
  route({
    method: 'delete',
    path: '/api/vat-rates/:id',
    summary: 'Remove a VAT rate (bills keep the rate they were computed with)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    handler: ({ params, principal, deps }) =>
      settings.changeSettings(deps.sql, deps.notifier, principal.shopId, 'vat_rates', (tx) => settings.deleteVatRate(tx, principal.shopId, params.id)),
  }),
];
