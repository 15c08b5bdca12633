/**
 * A customer's loyalty account and points ledger (read side). Accounts are written by billing
 * (domain/billing/loyalty-rules.ts): earning, redemption and reversal.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { type Keys, SUFFIX } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { fromFils, offsetOf, pageResult, type PageArgs } from '../common/index.ts';
import { tierFor } from './tier-rule.ts';
import { tiers } from './tiers.ts';

export interface AccountSnapshot {
  available_points: number;
  lifetime_points: number;
  tier_id: number | null;
  total_spent_fils: number;
  visits: number;
  /** ISO instant */
  last_purchase: string | null;
}

export interface AccountDeps {
  sql: Db;
  redis: ScriptedRedis;
  keys: Keys;
}

/**
 * The one place an account is read, so its source can change. It comes from the Redis aggregates
 * (a snapshot written with each bill event) once the shop's aggregates exist, else from
 * loyalty_accounts (a shop with no bill events yet, or one being rebuilt). Undefined = no account.
 */
export async function loadAccount(deps: AccountDeps, shopId: number, customerId: number): Promise<AccountSnapshot | undefined> {
  const shop = deps.keys.agg(shopId);
  const [[, seq], [, json]] = (await deps.redis.pipeline().hget(shop.meta, 'seq').hget(shop.full(SUFFIX.loy), String(customerId)).exec()) as [
    [unknown, string | null],
    [unknown, string | null],
  ];
  if (seq !== null) return json ? (JSON.parse(json) as AccountSnapshot) : undefined;
  const [row] = await deps.sql<(Omit<AccountSnapshot, 'last_purchase'> & { last_purchase: Date | null })[]>`
    select available_points, lifetime_points, tier_id, total_spent_fils, visits, last_purchase
    from loyalty_accounts where shop_id = ${shopId} and customer_id = ${customerId}`;
  return row && { ...row, last_purchase: row.last_purchase?.toISOString() ?? null };
}

async function assertCustomer(sql: Db, shopId: number, customerId: number): Promise<void> {
  const [c] = await sql`select 1 from customers where shop_id = ${shopId} and id = ${customerId} and deleted_at is null`;
  if (!c) throw ERRORS.notFound('Customer');
}

/**
 * GET /api/loyalty/customers/:id. A customer without an account reads as zeros in the lowest
 * tier. The tier is derived from lifetime points and the CURRENT tiers (the rule itself) rather
 * than the snapshot's tier_id: right at once after a tier replacement, before the aggregator has
 * applied its loyalty_retiered event to the snapshot.
 */
export async function customerLoyalty(deps: AccountDeps, shopId: number, customerId: number) {
  const [, all, account] = await Promise.all([
    assertCustomer(deps.sql, shopId, customerId),
    tiers(deps.sql, shopId),
    loadAccount(deps, shopId, customerId),
  ]);
  const lifetime = account?.lifetime_points ?? 0;
  const tier = tierFor(all, lifetime) ?? null;
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

/** GET /api/loyalty/customers/:id/ledger: points movements, newest first (id breaks ties in time). */
export async function customerLedger(sql: Db, shopId: number, customerId: number, page: PageArgs) {
  await assertCustomer(sql, shopId, customerId);
  const [rows, [n]] = await Promise.all([
    sql`
      select l.id, l.kind, l.points, l.bill_id, b.bill_number, l.note, l.created_at
      from loyalty_ledger l left join bills b on b.shop_id = l.shop_id and b.id = l.bill_id
      where l.shop_id = ${shopId} and l.customer_id = ${customerId}
      order by l.id desc limit ${page.per_page} offset ${offsetOf(page)}`,
    sql<{ n: number }[]>`select count(*)::int as n from loyalty_ledger where shop_id = ${shopId} and customer_id = ${customerId}`,
  ]);
  return pageResult(rows, page, n!.n);
}
