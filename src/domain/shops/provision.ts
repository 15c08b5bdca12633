/**
 * Creates a shop with everything a new shop needs to sell on day one, in the caller's transaction:
 * settings (AED, Asia/Dubai, inclusive prices), a VAT rate of 5% from 2018-01-01 (the UAE's VAT
 * start), the counters, the loyalty programme with the four default tiers, the default expense
 * categories and (disabled) report schedules.
 */
import { randomInt } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { ERRORS, type FieldError } from '../../errors.ts';
import { twoDecimals } from '../common/index.ts';
import { currencyError, knownTimeZone } from './locale.ts';

export const DEFAULT_EXPENSE_CATEGORIES = [
  'Rent',
  'Utilities',
  'Supplies',
  'Marketing',
  'Transportation',
  'Insurance',
  'Maintenance',
  'Other',
];

export const DEFAULT_TIERS = [
  { name: 'Bronze', threshold_points: 0, multiplier: 1.0, discount_percent: 0, colour: '#cd7f32', perks: '' },
  { name: 'Silver', threshold_points: 1000, multiplier: 1.1, discount_percent: 5, colour: '#c0c0c0', perks: '5% discount' },
  { name: 'Gold', threshold_points: 5000, multiplier: 1.25, discount_percent: 10, colour: '#ffd700', perks: '10% discount' },
  { name: 'Platinum', threshold_points: 15000, multiplier: 1.5, discount_percent: 15, colour: '#e5e4e2', perks: '15% discount, priority service' },
];

export const DEFAULT_BILLING_CONFIG = {
  payment_mode: 'advance' as 'advance' | 'full',
  default_delivery_days: 3,
  default_trial_days: 3,
  default_employee_id: null as number | null,
  show_fields: { delivery_date: true, trial_date: true, employee: true, notes: true, area: true, trn: false },
  bill_template: 'standard',
};

export interface ShopInput {
  name: string;
  currency?: string;
  timezone?: string;
  vatPercent?: number;
  pricesIncludeVat?: boolean;
  /**
   * Signup's shops: every event is owed to the live feed until the shop's first build finishes
   * (shops.first_build_pending, migration 0047). Seeded and demo shops come with a history, which is not.
   */
  firstBuildPending?: boolean;
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function shopCode(): string {
  let s = '';
  for (let i = 0; i < 6; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return s;
}

/** Returns the new shop's id and code. */
export async function provisionShop(tx: Db, input: ShopInput): Promise<{ id: number; shop_code: string }> {
  // what the settings would refuse, signup refuses too (shops/locale.ts), before anything is written
  const errors: FieldError[] = [];
  const currencyProblem = currencyError(input.currency ?? 'AED');
  if (currencyProblem) errors.push(currencyProblem);
  const timezone = await knownTimeZone(tx, input.timezone ?? 'Asia/Dubai');
  if (!timezone) errors.push({ field: 'timezone', message: 'is not an IANA time zone' });
  errors.push(...twoDecimals(input.vatPercent === undefined ? {} : { vat_percent: input.vatPercent }));
  if (errors.length) throw ERRORS.validation(errors);
  let shop: { id: number; shop_code: string } | undefined;
  // 32^6 ≈ 1e9 codes: a clash is rare, so retrying a few times is enough.
  for (let attempt = 0; attempt < 5 && !shop; attempt++) {
    const [row] = await tx<{ id: number; shop_code: string }[]>`
      insert into shops (name, shop_code, first_build_pending) values (${input.name}, ${shopCode()}, ${input.firstBuildPending ?? false})
      on conflict (shop_code) do nothing
      returning id, shop_code`;
    shop = row;
  }
  if (!shop) throw ERRORS.conflict('Could not allocate a shop code; try again');
  const shopId = shop.id;

  await tx`
    insert into shop_settings (shop_id, shop_info, billing_config, currency, timezone, prices_include_vat)
    values (${shopId}, ${tx.json({ name: input.name })}, ${tx.json(DEFAULT_BILLING_CONFIG)},
            ${input.currency ?? 'AED'}, ${timezone}, ${input.pricesIncludeVat ?? true})`;
  await tx`insert into vat_rates (shop_id, rate_percent, effective_from) values (${shopId}, ${input.vatPercent ?? 5}, '2018-01-01')`;
  await tx`insert into shop_counters (shop_id) values (${shopId})`;
  await tx`insert into loyalty_config (shop_id) values (${shopId})`;
  await tx`insert into loyalty_tiers ${tx(DEFAULT_TIERS.map((t) => ({ shop_id: shopId, ...t })))}`;
  await tx`insert into expense_categories ${tx(DEFAULT_EXPENSE_CATEGORIES.map((name) => ({ shop_id: shopId, name })))}`;
  await tx`
    insert into report_schedules (shop_id, kind, hour) values (${shopId}, 'daily_summary', 8), (${shopId}, 'monthly_vat', 8)`;
  return shop;
}
