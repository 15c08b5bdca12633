/**
 * What a bill needs to know about its shop, read in one round trip inside the bill's transaction:
 * the local date at `now` (the clock's instant, clock.ts, or an offline sale's client_created_at:
 * the bill number, the payment day, the stored times and the event all follow from that one
 * instant), the VAT rate in force on the bill date (the SQL function vat_rate_on, migration
 * 0009, shared with vatRateOn), price mode, payment settings, loyalty.
 *
 * Tiers are not read here: a bill reads them under the programme lock, after locking the
 * customer's account (loyalty-lock.ts), so bills without loyalty never pay for them.
 */
import type { Db } from '../../db/client.ts';
import type { LoyaltyConfigRow } from './loyalty-rules.ts';

/** The billing defaults of DOMAIN.md "Shop settings" (delivery and trial days 3, offline window 7). */
export const DEFAULT_DAYS = 3;
export const DEFAULT_OFFLINE_WINDOW_DAYS = 7;

export interface BillingDefaults {
  /** days after the bill date; null when the shop's bill form hides the field */
  deliveryDays: number | null;
  trialDays: number | null;
  employeeId: number | null;
  /** how far back an offline sale may be dated */
  offlineWindowDays: number;
}

export interface ShopBillingContext {
  /** The instant the bill is made at: its created_at and its payments' paid_at. */
  now: Date;
  timezone: string;
  /** the shop-local date of the sale: today, or the day of client_created_at */
  today: string;
  vatPercent: number | undefined;
  pricesIncludeVat: boolean;
  paymentMode: 'advance' | 'full';
  paymentMethods: string[];
  loyalty: LoyaltyConfigRow;
  defaults: BillingDefaults;
}

interface BillingConfigJson {
  payment_mode?: 'advance' | 'full';
  default_delivery_days?: number;
  default_trial_days?: number;
  default_employee_id?: number | null;
  offline_window_days?: number;
  show_fields?: Record<string, boolean>;
}

const days = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : fallback);

function billingDefaults(c: BillingConfigJson | null): BillingDefaults {
  const shown = (f: string) => c?.show_fields?.[f] !== false;
  return {
    deliveryDays: shown('delivery_date') ? days(c?.default_delivery_days, DEFAULT_DAYS) : null,
    trialDays: shown('trial_date') ? days(c?.default_trial_days, DEFAULT_DAYS) : null,
    employeeId: typeof c?.default_employee_id === 'number' ? c.default_employee_id : null,
    offlineWindowDays: days(c?.offline_window_days, DEFAULT_OFFLINE_WINDOW_DAYS),
  };
}

export interface ContextRow {
  timezone: string;
  today: string;
  prices_include_vat: boolean;
  billing_config: BillingConfigJson | null;
  payment_methods: string[];
  vat: number | null;
  enabled: boolean;
  points_per_unit: number;
  point_value_fils: number;
  min_redeem_points: number;
  max_redeem_percent: number;
}

/** The context's one statement, unexecuted: loadShopBillingContext runs it, the bill's read (read.ts) nests it. */
export function shopContextQuery(tx: Db, shopId: number, now: Date, billDate?: string) {
  return tx<ContextRow[]>`
    with s as (
      select timezone, (${now}::timestamptz at time zone timezone)::date as today, prices_include_vat, billing_config, payment_methods
      from shop_settings where shop_id = ${shopId}
    )
    select s.timezone, s.today, s.prices_include_vat, s.billing_config, s.payment_methods,
      (select rate_percent from vat_rate_on(${shopId}, coalesce(${billDate ?? null}::date, s.today))) as vat,
      c.enabled, c.points_per_unit, c.point_value_fils, c.min_redeem_points, c.max_redeem_percent
    from s, loyalty_config c where c.shop_id = ${shopId}`;
}

/** The context from shopContextQuery's row (as a row, or as the JSON of one: the same fields). */
export function toShopContext(row: ContextRow | undefined, shopId: number, now: Date): ShopBillingContext {
  if (!row) throw new Error(`shop ${shopId} has no settings`);
  return {
    now,
    timezone: row.timezone,
    today: row.today,
    vatPercent: row.vat ?? undefined,
    pricesIncludeVat: row.prices_include_vat,
    paymentMode: row.billing_config?.payment_mode === 'full' ? 'full' : 'advance',
    paymentMethods: row.payment_methods,
    loyalty: {
      enabled: row.enabled,
      points_per_unit: row.points_per_unit,
      point_value_fils: row.point_value_fils,
      min_redeem_points: row.min_redeem_points,
      max_redeem_percent: row.max_redeem_percent,
    },
    defaults: billingDefaults(row.billing_config),
  };
}

/** `now`: the clock's instant, or an offline sale's client_created_at (its day is then the sale's local day). */
export async function loadShopBillingContext(tx: Db, shopId: number, now: Date, billDate?: string): Promise<ShopBillingContext> {
  const [row] = await shopContextQuery(tx, shopId, now, billDate);
  return toShopContext(row, shopId, now);
}
