/**
 * Shop settings (DOMAIN.md section 5): one aggregated read; each section written on its own.
 * Every change increments shop_settings.version in the same transaction (`version = version + 1
 * returning version`: concurrent changes never share a version) and is pushed to the shop's
 * terminals after commit, which acknowledge the version they applied.
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { ChangeNotifier } from '../common/notifier.ts';
import { isValidTimeZone } from '../shops/provision.ts';
import { forgetTimeZone } from '../shops/timezone.ts';
import { loyaltySettings } from '../loyalty/service.ts';
import type { BillingConfigBody, LocaleBody, PaymentMethodsBody, ShopInfoBody, VatRateBody } from './schema.ts';

export type Section = 'shop_info' | 'billing_config' | 'payment_methods' | 'locale' | 'vat_rates' | 'loyalty';

export async function bumpVersion(tx: Db, shopId: number): Promise<number> {
  const [r] = await tx<{ version: number }[]>`
    update shop_settings set version = version + 1, updated_at = now() where shop_id = ${shopId} returning version`;
  return r!.version;
}

/** Runs a settings change in a transaction, bumps the version, and notifies after commit. */
export async function changeSettings<T>(
  sql: Sql,
  notifier: ChangeNotifier,
  shopId: number,
  section: Section,
  change: (tx: Db) => Promise<T>,
): Promise<T & { version: number }> {
  const { value, version } = await sql.begin(async (tx) => {
    const value = await change(tx);
    return { value, version: await bumpVersion(tx, shopId) };
  });
  notifier.settingsChanged(shopId, version, section, value);
  return { ...value, version };
}

export async function vatRates(sql: Db, shopId: number) {
  return sql<{ id: number; rate_percent: number; effective_from: string; effective_to: string | null }[]>`
    select id, rate_percent, effective_from, effective_to from vat_rates where shop_id = ${shopId} order by effective_from`;
}

/** The VAT rate in force on a shop-local date, if any. */
export async function vatRateOn(sql: Db, shopId: number, date: string): Promise<number | undefined> {
  const [r] = await sql<{ rate_percent: number }[]>`
    select rate_percent from vat_rates where shop_id = ${shopId} and effective_from <= ${date}
      and (effective_to is null or effective_to >= ${date}) order by effective_from desc limit 1`;
  return r?.rate_percent;
}

export async function getSettings(sql: Db, shopId: number) {
  const [s] = await sql<
    { shop_info: Record<string, unknown>; billing_config: Record<string, unknown>; payment_methods: string[]; currency: string; timezone: string; date_format: string; language: string; prices_include_vat: boolean; version: number }[]
  >`select * from shop_settings where shop_id = ${shopId}`;
  if (!s) throw ERRORS.notFound('Shop');
  return {
    shop_info: s.shop_info,
    billing_config: { ...s.billing_config, prices_include_vat: s.prices_include_vat },
    vat_rates: await vatRates(sql, shopId),
    payment_methods: s.payment_methods,
    locale: { currency: s.currency, timezone: s.timezone, date_format: s.date_format, language: s.language },
    loyalty: await loyaltySettings(sql, shopId),
    version: s.version,
  };
}

export async function putShopInfo(tx: Db, shopId: number, body: ShopInfoBody) {
  const info = { ...body, name: body.name.trim() };
  await tx`update shop_settings set shop_info = ${tx.json(info as never)} where shop_id = ${shopId}`;
  await tx`update shops set name = ${info.name} where id = ${shopId}`;
  return { shop_info: info };
}

export async function putBillingConfig(tx: Db, shopId: number, body: BillingConfigBody) {
  if (body.default_employee_id !== null) {
    const [e] = await tx`select 1 from employees where shop_id = ${shopId} and id = ${body.default_employee_id} and deleted_at is null`;
    if (!e) throw ERRORS.invalidReference('default_employee_id is not an employee of this shop');
  }
  const [cur] = await tx<{ billing_config: Record<string, unknown> }[]>`select billing_config from shop_settings where shop_id = ${shopId}`;
  const { prices_include_vat, ...rest } = body;
  const config = { ...cur!.billing_config, ...rest };
  await tx`update shop_settings set billing_config = ${tx.json(config as never)}, prices_include_vat = ${prices_include_vat} where shop_id = ${shopId}`;
  return { billing_config: { ...config, prices_include_vat } };
}

export async function putPaymentMethods(tx: Db, shopId: number, body: PaymentMethodsBody) {
  await tx`update shop_settings set payment_methods = ${body.payment_methods} where shop_id = ${shopId}`;
  return { payment_methods: body.payment_methods };
}

export async function putLocale(tx: Db, shopId: number, body: LocaleBody) {
  if (!isValidTimeZone(body.timezone)) throw ERRORS.validation([{ field: 'timezone', message: 'is not an IANA time zone' }]);
  await tx`
    update shop_settings set currency = ${body.currency}, timezone = ${body.timezone}, date_format = ${body.date_format},
      language = ${body.language} where shop_id = ${shopId}`;
  forgetTimeZone(shopId);
  return { locale: body };
}

/**
 * Adds a VAT rate. A rate that starts while the open-ended rate is in force closes that rate the
 * day before (a new rate announced for next year needs no second request); any other overlap is
 * a conflict (409, the exclusion constraint).
 */
export async function addVatRate(tx: Db, shopId: number, body: VatRateBody) {
  if (body.effective_to && body.effective_to < body.effective_from) {
    throw ERRORS.validation([{ field: 'effective_to', message: 'must not be before effective_from' }]);
  }
  if (Math.abs(body.rate_percent * 100 - Math.round(body.rate_percent * 100)) > 1e-6) {
    throw ERRORS.validation([{ field: 'rate_percent', message: 'must have at most 2 decimals' }]);
  }
  await tx`
    update vat_rates set effective_to = ${body.effective_from}::date - 1
    where shop_id = ${shopId} and effective_to is null and effective_from < ${body.effective_from}`;
  await tx`
    insert into vat_rates (shop_id, rate_percent, effective_from, effective_to)
    values (${shopId}, ${body.rate_percent}, ${body.effective_from}, ${body.effective_to ?? null})`;
  return { vat_rates: await vatRates(tx, shopId) };
}

export async function deleteVatRate(tx: Db, shopId: number, id: number) {
  const rows = await tx`delete from vat_rates where shop_id = ${shopId} and id = ${id} returning id`;
  if (rows.length === 0) throw ERRORS.notFound('VAT rate');
  return { vat_rates: await vatRates(tx, shopId) };
}
