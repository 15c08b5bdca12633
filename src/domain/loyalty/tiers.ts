/**
 * Loyalty tiers. A customer's tier is the highest tier whose threshold <= their lifetime points
 * (DOMAIN.md "Loyalty rules"), so the lowest tier must start at 0 and every account always has one.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS, type FieldError } from '../../errors.ts';
import { twoDecimals } from '../common/index.ts';
import { appendEvent, type LoyaltyRetieredPayload, type LoyaltySnapshot } from '../events/index.ts';
import type { TierView, TiersBody } from './schema.ts';

/** The shop's tiers, lowest threshold first. */
export async function tiers(sql: Db, shopId: number): Promise<TierView[]> {
  const rows = await sql<TierView[]>`
    select id, name, threshold_points, multiplier, discount_percent, perks, colour from loyalty_tiers
    where shop_id = ${shopId} order by threshold_points`;
  return [...rows]; // a plain array: it is pushed to clients as is
}


/**
 * The rules a tier set must follow, with fields named by their index in the request:
 * the lowest threshold is 0; names (case-insensitive, trimmed) and thresholds are unique;
 * multipliers never fall as thresholds rise (a higher tier must not earn less); multiplier and
 * discount have at most 2 decimals (numeric(_,2) columns would round them silently).
 */
export function tierErrors(body: TiersBody): FieldError[] {
  const errors: FieldError[] = [];
  const indexed = body.tiers.map((t, i) => ({ t, i }));
  indexed.forEach(({ t, i }) => {
    for (const e of twoDecimals({ multiplier: t.multiplier, discount_percent: t.discount_percent })) {
      errors.push({ field: `tiers.${i}.${e.field}`, message: e.message });
    }
  });
  const names = new Map<string, number>();
  const thresholds = new Map<number, number>();
  for (const { t, i } of indexed) {
    const key = t.name.trim().toLowerCase();
    if (names.has(key)) errors.push({ field: `tiers.${i}.name`, message: `repeats the name of tier ${names.get(key)}` });
    else names.set(key, i);
    if (thresholds.has(t.threshold_points)) {
      errors.push({ field: `tiers.${i}.threshold_points`, message: `repeats the threshold of tier ${thresholds.get(t.threshold_points)}` });
    } else thresholds.set(t.threshold_points, i);
  }
  const sorted = [...indexed].sort((a, b) => a.t.threshold_points - b.t.threshold_points);
  if (sorted[0]!.t.threshold_points !== 0) {
    errors.push({ field: `tiers.${sorted[0]!.i}.threshold_points`, message: 'the lowest tier must start at 0 points' });
  }
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k]!.t.multiplier < sorted[k - 1]!.t.multiplier) {
      errors.push({ field: `tiers.${sorted[k]!.i}.multiplier`, message: 'must not be lower than the multiplier of a lower tier' });
    }
  }
  return errors;
}

/**
 * Replaces the whole tier set inside the caller's transaction. Tiers are matched to the existing
 * ones by name (case-insensitive), so a renamed threshold keeps its row and accounts keep their
 * tier_id; unmatched names are inserted. Every account's tier is then re-evaluated against the new
 * set, and only after that are the tiers no longer listed deleted (accounts reference them).
 * Accounts whose tier moved or was renamed go out as one `loyalty_retiered` event.
 */
export async function putTiers(tx: Db, shopId: number, body: TiersBody): Promise<TierView[]> {
  const errors = tierErrors(body);
  if (errors.length) throw ERRORS.validation(errors);
  // Serialises tier replacements of one shop (the settings version lock does too, but this
  // function may be called on its own), and excludes bills and cancellations writing a tier: they
  // hold this row FOR SHARE while they do (billing/loyalty-lock.ts).
  await tx`select 1 from loyalty_config where shop_id = ${shopId} for update`;
  const old = await tiers(tx, shopId);
  // (shop, threshold) is unique and tiers may swap thresholds: park every old threshold out of range first.
  await tx`update loyalty_tiers set threshold_points = 1000000000000 + id where shop_id = ${shopId}`;
  const keep: number[] = [];
  for (const t of body.tiers) {
    const name = t.name.trim();
    const match = old.find((o) => o.name.toLowerCase() === name.toLowerCase());
    const values = {
      name,
      threshold_points: t.threshold_points,
      multiplier: t.multiplier,
      discount_percent: t.discount_percent,
      perks: t.perks ?? '',
      colour: t.colour ?? '#999999',
    };
    if (match) {
      await tx`update loyalty_tiers set ${tx(values)} where shop_id = ${shopId} and id = ${match.id}`;
      keep.push(match.id);
    } else {
      const [r] = await tx<{ id: number }[]>`insert into loyalty_tiers ${tx({ shop_id: shopId, ...values })} returning id`;
      keep.push(r!.id);
    }
  }
  // The tier rule (tier-rule.ts) set-based: highest kept tier with threshold <= lifetime points.
  // `o` is the same row before the update (a self-join reads the pre-update snapshot)
  const accounts = await tx<RetierRow[]>`
    update loyalty_accounts a set tier_id = (
      select t.id from loyalty_tiers t
      where t.shop_id = a.shop_id and t.id in ${tx(keep)} and t.threshold_points <= a.lifetime_points
      order by t.threshold_points desc limit 1)
    from loyalty_accounts o
    where a.shop_id = ${shopId} and o.shop_id = a.shop_id and o.customer_id = a.customer_id
    returning a.customer_id, a.available_points, a.lifetime_points, a.tier_id, o.tier_id as old_tier_id,
      a.total_spent_fils, a.visits, a.last_purchase`;
  await tx`delete from loyalty_tiers where shop_id = ${shopId} and id not in ${tx(keep)}`;
  const now = await tiers(tx, shopId);
  await appendRetiered(tx, shopId, accounts, old, now);
  return now;
}

/** An account after the re-evaluation, with its tier before it. */
type RetierRow = Omit<LoyaltySnapshot, 'tier' | 'last_purchase'> & { last_purchase: Date | null; old_tier_id: number | null };

/**
 * The event for the accounts whose tier this replacement moved or renamed, so the aggregates'
 * copy of each account follows and the counters hear of it (loyalty:update). None when no
 * account's tier changed.
 */
async function appendRetiered(
  tx: Db,
  shopId: number,
  accounts: readonly RetierRow[],
  before: readonly TierView[],
  after: readonly TierView[],
): Promise<void> {
  const nameIn = (set: readonly TierView[], id: number | null) => set.find((t) => t.id === id)?.name ?? null;
  const changed: LoyaltyRetieredPayload['accounts'] = [];
  for (const { old_tier_id, last_purchase, ...a } of accounts) {
    const tier = nameIn(after, a.tier_id);
    const moved = old_tier_id !== a.tier_id;
    if (!moved && tier === nameIn(before, old_tier_id)) continue;
    changed.push({ ...a, tier, last_purchase: last_purchase?.toISOString() ?? null, tier_changed: moved });
  }
  if (changed.length === 0) return;
  changed.sort((x, y) => x.customer_id - y.customer_id);
  await appendEvent(tx, shopId, 'loyalty_retiered', shopId, { accounts: changed } satisfies LoyaltyRetieredPayload);
}
