/**
 * Loyalty programme settings and customer accounts (DOMAIN.md section 3). Earning and
 * redemption happen with bills (domain/billing/loyalty-rules.ts). A customer's account is read
 * from the Redis aggregates (a snapshot written by each bill event), or from Postgres while the
 * shop is being rebuilt.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { SUFFIX, type Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { hundredths } from '../billing/arithmetic.ts';
import { fromFils } from '../common/money.ts';
import { offsetOf, pageResult, type PageArgs } from '../common/paging.ts';
import type { LoyaltyConfigBody, TiersBody } from './schema.ts';

export interface TierView {
  id: number;
  name: string;
  threshold_points: number;
  multiplier: number;
  discount_percent: number;
  perks: string;
  colour: string;
}

export async function tiers(sql: Db, shopId: number): Promise<TierView[]> {
  return sql<TierView[]>`
    select id, name, threshold_points, multiplier, discount_percent, perks, colour from loyalty_tiers
    where shop_id = ${shopId} order by threshold_points`;
}

export async function loyaltyConfig(sql: Db, shopId: number) {
  const [c] = await sql<{ enabled: boolean; program_name: string; points_per_unit: number; point_value_fils: number; min_redeem_points: number; max_redeem_percent: number }[]>`
    select enabled, program_name, points_per_unit, point_value_fils, min_redeem_points, max_redeem_percent from loyalty_config where shop_id = ${shopId}`;
  if (!c) throw ERRORS.notFound('Loyalty programme');
  const { point_value_fils, ...rest } = c;
  return { ...rest, point_value: fromFils(point_value_fils) };
}

export async function loyaltySettings(sql: Db, shopId: number) {
  return { config: await loyaltyConfig(sql, shopId), tiers: await tiers(sql, shopId) };
}

export async function putConfig(tx: Db, shopId: number, body: LoyaltyConfigBody) {
  hundredths(body.points_per_unit);
  hundredths(body.max_redeem_percent);
  const pointValueFils = Math.round(body.point_value * 100);
  if (Math.abs(body.point_value * 100 - pointValueFils) > 1e-6) {
    throw ERRORS.validation([{ field: 'point_value', message: 'must be a whole number of fils (at most 2 decimals)' }]);
  }
  await tx`
    update loyalty_config set enabled = ${body.enabled}, program_name = ${body.program_name.trim()}, points_per_unit = ${body.points_per_unit},
      point_value_fils = ${pointValueFils}, min_redeem_points = ${body.min_redeem_points}, max_redeem_percent = ${body.max_redeem_percent},
      updated_at = now()
    where shop_id = ${shopId}`;
  return { loyalty: await loyaltySettings(tx, shopId) };
}

/**
 * Replaces the tiers. Rules: the lowest threshold is 0 (every customer has a tier), names and
 * thresholds are unique, and multipliers do not fall as thresholds rise. Tiers are matched to the
 * old ones by name (so accounts keep their tier row), every account's tier is re-evaluated at
 * once, and tiers no longer listed are removed.
 */
export async function putTiers(tx: Db, shopId: number, body: TiersBody) {
  const sorted = [...body.tiers].sort((a, b) => a.threshold_points - b.threshold_points);
  if (sorted[0]!.threshold_points !== 0) throw ERRORS.validation([{ field: 'tiers', message: 'the lowest tier must start at 0 points' }]);
  const names = new Set(sorted.map((t) => t.name.trim().toLowerCase()));
  const thresholds = new Set(sorted.map((t) => t.threshold_points));
  if (names.size !== sorted.length) throw ERRORS.validation([{ field: 'tiers', message: 'tier names must be unique' }]);
  if (thresholds.size !== sorted.length) throw ERRORS.validation([{ field: 'tiers', message: 'tier thresholds must be unique' }]);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.multiplier < sorted[i - 1]!.multiplier) {
      throw ERRORS.validation([{ field: 'tiers', message: 'a higher tier may not have a lower multiplier' }]);
    }
  }
  await tx`select 1 from loyalty_config where shop_id = ${shopId} for update`;
  const old = await tiers(tx, shopId);
  // Move thresholds out of the way first: (shop, threshold) is unique and tiers may swap values.
  await tx`update loyalty_tiers set threshold_points = 1000000000000 + id where shop_id = ${shopId}`;
  const keep: number[] = [];
  for (const t of sorted) {
    const match = old.find((o) => o.name.toLowerCase() === t.name.trim().toLowerCase());
    const values = { name: t.name.trim(), threshold_points: t.threshold_points, multiplier: t.multiplier, discount_percent: t.discount_percent, perks: t.perks ?? '', colour: t.colour ?? '#999999' };
    if (match) {
      await tx`update loyalty_tiers set ${tx(values)} where shop_id = ${shopId} and id = ${match.id}`;
      keep.push(match.id);
    } else {
      const [r] = await tx<{ id: number }[]>`insert into loyalty_tiers ${tx({ shop_id: shopId, ...values })} returning id`;
      keep.push(r!.id);
    }
  }
  await tx`
    update loyalty_accounts a set tier_id = (
      select t.id from loyalty_tiers t where t.shop_id = a.shop_id and t.id in ${tx(keep)} and t.threshold_points <= a.lifetime_points
      order by t.threshold_points desc limit 1)
    where a.shop_id = ${shopId}`;
  await tx`delete from loyalty_tiers where shop_id = ${shopId} and id not in ${tx(keep)}`;
  return { loyalty: await loyaltySettings(tx, shopId) };
}

interface AccountSnapshot {
  available_points: number;
  lifetime_points: number;
  tier_id: number | null;
  total_spent_fils: number;
  visits: number;
  last_purchase: string | null;
}

/** GET /api/loyalty/customers/:id */
export async function customerLoyalty(deps: { sql: Db; redis: ScriptedRedis; keys: Keys }, shopId: number, customerId: number) {
  const { sql, redis, keys } = deps;
  const [c] = await sql`select 1 from customers where shop_id = ${shopId} and id = ${customerId} and deleted_at is null`;
  if (!c) throw ERRORS.notFound('Customer');
  const shop = keys.agg(shopId);
  const [[, seq], [, json]] = (await redis.pipeline().hget(shop.meta, 'seq').hget(shop.full(SUFFIX.loy), String(customerId)).exec()) as [
    [unknown, string | null],
    [unknown, string | null],
  ];
  let account: AccountSnapshot | undefined;
  if (seq !== null) account = json ? (JSON.parse(json) as AccountSnapshot) : undefined;
  else {
    const [row] = await sql<(Omit<AccountSnapshot, 'last_purchase'> & { last_purchase: Date | null })[]>`
      select available_points, lifetime_points, tier_id, total_spent_fils, visits, last_purchase
      from loyalty_accounts where shop_id = ${shopId} and customer_id = ${customerId}`;
    if (row) account = { ...row, last_purchase: row.last_purchase?.toISOString() ?? null };
  }
  const all = await tiers(sql, shopId);
  const lifetime = account?.lifetime_points ?? 0;
  const tier = all.find((t) => t.id === account?.tier_id) ?? [...all].reverse().find((t) => t.threshold_points <= lifetime) ?? null;
  const next = all.find((t) => t.threshold_points > lifetime) ?? null;
  return {
    customer_id: customerId,
    available_points: account?.available_points ?? 0,
    lifetime_points: lifetime,
    tier: tier && { id: tier.id, name: tier.name, colour: tier.colour, multiplier: tier.multiplier, discount_percent: tier.discount_percent },
    total_spent: fromFils(account?.total_spent_fils ?? 0),
    visits: account?.visits ?? 0,
    last_purchase: account?.last_purchase ?? null,
    next_tier: next && { name: next.name, threshold_points: next.threshold_points },
    points_to_next_tier: next ? next.threshold_points - lifetime : 0,
  };
}

export async function customerLedger(sql: Db, shopId: number, customerId: number, page: PageArgs) {
  const [c] = await sql`select 1 from customers where shop_id = ${shopId} and id = ${customerId}`;
  if (!c) throw ERRORS.notFound('Customer');
  const [rows, [n]] = await Promise.all([
    sql`
      select id, bill_id, kind, points, note, created_at from loyalty_ledger
      where shop_id = ${shopId} and customer_id = ${customerId} order by id desc limit ${page.per_page} offset ${offsetOf(page)}`,
    sql<{ n: number }[]>`select count(*)::int as n from loyalty_ledger where shop_id = ${shopId} and customer_id = ${customerId}`,
  ]);
  return pageResult(rows, page, n!.n);
}
