/**
 * Shop settings (DOMAIN.md section 5): one aggregated read; each section written on its own
 * through changeSettings (version.ts), which bumps the version and pushes the change after commit.
 * The put* functions run inside that transaction and return the section's new value.
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS, type FieldError } from '../../errors.ts';
import type { ChangeNotifier } from '../common/index.ts';
import { appendEvent, type TimezoneChangedPayload } from '../events/index.ts';
import { loyaltySettings } from '../loyalty/index.ts';
import { currencyError, forgetTimeZone, knownTimeZone } from '../shops/index.ts';
import type { BillingConfigBody, LocaleBody, PaymentMethodsBody, ShopInfoBody } from './schema.ts';
import { changeSettings } from './version.ts';
import { vatRates } from './vat-rates.ts';

export { addVatRate, deleteVatRate, vatRateOn, vatRates } from './vat-rates.ts';
export { bumpVersion, changeSettings, type Section } from './version.ts';

interface SettingsRow {
  shop_info: Record<string, unknown>;
  billing_config: Record<string, unknown>;
  payment_methods: string[];
  currency: string;
  timezone: string;
  date_format: string;
  language: string;
  prices_include_vat: boolean;
  version: number;
}

/** GET /api/shop-settings: every section and the version, read in one snapshot so they agree. */
export async function getSettings(sql: Sql, shopId: number) {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    const [s] = await tx<SettingsRow[]>`
      select shop_info, billing_config, payment_methods, currency, timezone, date_format, language, prices_include_vat, version
      from shop_settings where shop_id = ${shopId}`;
    if (!s) throw ERRORS.notFound('Shop');
    return {
      shop_info: s.shop_info,
      billing_config: { ...s.billing_config, prices_include_vat: s.prices_include_vat },
      vat_rates: await vatRates(tx, shopId),
      payment_methods: s.payment_methods,
      locale: { currency: s.currency, timezone: s.timezone, date_format: s.date_format, language: s.language },
      loyalty: await loyaltySettings(tx, shopId),
      version: s.version,
    };
  });
}

/** Replaces the shop info (PUT: absent optional fields are cleared) and renames the shop. */
export async function putShopInfo(tx: Db, shopId: number, body: ShopInfoBody) {
  const info = { ...body, name: body.name.trim() };
  await tx`update shop_settings set shop_info = ${tx.json(info as never)} where shop_id = ${shopId}`;
  await tx`update shops set name = ${info.name} where id = ${shopId}`;
  return info;
}

/**
 * Billing config. prices_include_vat lives in its own typed column (the bill arithmetic reads it);
 * the rest is merged into the jsonb so optional keys not sent (show_fields, bill_template) keep
 * their value. The default master must be an active employee of the shop: billing refuses
 * inactive ones, so a default that every bill would reject is a 422 here, not later.
 */
export async function putBillingConfig(tx: Db, shopId: number, body: BillingConfigBody) {
  if (body.default_employee_id !== null) {
    const [e] = await tx`
      select 1 from employees where shop_id = ${shopId} and id = ${body.default_employee_id} and deleted_at is null and active`;
    if (!e) throw ERRORS.invalidReference('default_employee_id is not an active employee of this shop');
  }
  const { prices_include_vat, ...rest } = body;
  const [row] = await tx<{ billing_config: Record<string, unknown> }[]>`
    update shop_settings set billing_config = billing_config || ${tx.json(rest as never)}, prices_include_vat = ${prices_include_vat}
    where shop_id = ${shopId} returning billing_config`;
  return { ...row!.billing_config, prices_include_vat };
}

/** The payment methods offered, in the order the terminal shows them. */
export async function putPaymentMethods(tx: Db, shopId: number, body: PaymentMethodsBody) {
  await tx`update shop_settings set payment_methods = ${body.payment_methods} where shop_id = ${shopId}`;
  return body.payment_methods;
}

/**
 * Currency, time zone, date format, language, under the rules of shops/locale.ts (a currency
 * with 2 decimal places; a zone both the runtime and Postgres know, stored canonically).
 */
export async function putLocale(tx: Db, shopId: number, body: LocaleBody) {
  const errors: FieldError[] = [];
  const currency = currencyError(body.currency);
  if (currency) errors.push(currency);
  const timezone = await knownTimeZone(tx, body.timezone);
  if (!timezone) errors.push({ field: 'timezone', message: 'is not an IANA time zone' });
  if (errors.length) throw ERRORS.validation(errors);
  const locale = { currency: body.currency, timezone, date_format: body.date_format, language: body.language };
  const [before] = await tx<{ timezone: string }[]>`select timezone from shop_settings where shop_id = ${shopId} for update`;
  await tx`update shop_settings set ${tx(locale)} where shop_id = ${shopId}`;
  if (before && timezone && before.timezone !== timezone) {
    // the aggregates filed hours and payment days in the old zone: the aggregator rebuilds them
    await appendEvent(tx, shopId, 'timezone_changed', shopId, { from: before.timezone, to: timezone } satisfies TimezoneChangedPayload);
  }
  return locale;
}

/** PUT /api/shop-settings/locale; the cached zone is dropped only after commit, so no reader re-caches the old one. */
export async function changeLocale(sql: Sql, notifier: ChangeNotifier, shopId: number, body: LocaleBody) {
  const result = await changeSettings(sql, notifier, shopId, 'locale', (tx) => putLocale(tx, shopId, body));
  forgetTimeZone(shopId);
  return result;
}
