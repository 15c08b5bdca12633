/**
 * GET /api/financial-insights: day buckets from Redis (one pipelined HGETALL per day of both
 * periods: O(days), whatever the number of bills), the expense breakdown by category from SQL
 * (buckets do not keep categories), and a SQL snapshot when Redis has no state for the shop.
 */
import type { Sql } from '../../db/client.ts';
import { readAfterCommits } from '../../db/replica.ts';
import { ERRORS } from '../../errors.ts';
import { addDays, checkPeriod, dayRange, fromFils, localDate, MIN_DATE } from '../common/index.ts';
import { SUFFIX } from '../../redis/keys.ts';
import { snapshotShop, type ShopState } from '../aggregates/index.ts';
import type { DashboardDeps } from '../dashboard/index.ts';
import { shopTimeZone } from '../shops/index.ts';
import { buildInsights, type Granularity, type InsightsPeriod } from './build.ts';
import type { InsightsQuery } from './schema.ts';

/** Commands per pipelined round trip when reading day buckets: Redis answers other clients between them. */
const PIPELINE_CHUNK = 400;

export function resolvePeriod(q: InsightsQuery, today: string): InsightsPeriod {
  const to = q.to ?? today;
  const from = q.from ?? addDays(to, -((q.days ?? 30) - 1));
  // arithmetic, before any per-day work; `days` may have reached back before the date window
  if (from < MIN_DATE) throw ERRORS.validation([{ field: q.from ? 'from' : 'days', message: `the period may not start before ${MIN_DATE}` }]);
  const length = checkPeriod(from, to);
  const granularity: Granularity = q.granularity ?? (length <= 62 ? 'daily' : length <= 190 ? 'weekly' : 'monthly');
  return { from, to, previousFrom: addDays(from, -length), previousTo: addDays(from, -1), granularity };
}

async function expenseBreakdown(sql: Sql, shopId: number, from: string, to: string) {
  const rows = await sql<{ category: string; amount: number }[]>`
    select c.name as category, sum(e.amount_fils)::bigint as amount
    from expenses e join expense_categories c on c.shop_id = e.shop_id and c.id = e.category_id
    where e.shop_id = ${shopId} and e.deleted_at is null and e.expense_date between ${from} and ${to}
    group by c.name order by amount desc, c.name`;
  return rows.map((r) => ({ category: r.category, amount: fromFils(r.amount) }));
}

/**
 * The SQL parts (the expense breakdown, and the snapshot when Redis has no state) may read a
 * streaming replica (REPORTS_DATABASE_URL) once it replayed past the primary's position at the
 * request, waiting at most `replicaWaitMs` (db/replica.ts); the figures from Redis are live anyway.
 */
export interface InsightsDeps extends DashboardDeps {
  replica?: Sql | undefined;
  replicaWaitMs?: number;
}

/** A question waits for the replica at most this long, however long a report may wait. */
const INSIGHTS_REPLICA_WAIT_MS = 1000;

export async function getInsights(deps: InsightsDeps, shopId: number, q: InsightsQuery) {
  const tz = await shopTimeZone(deps.sql, shopId);
  const period = resolvePeriod(q, localDate(deps.clock.now(), tz));
  const days = dayRange(period.previousFrom, period.to);
  const { sql } = await readAfterCommits(deps.sql, deps.replica, Math.min(deps.replicaWaitMs ?? 0, INSIGHTS_REPLICA_WAIT_MS));
  const [read, breakdown] = await Promise.all([readDays(deps, shopId, days), expenseBreakdown(sql, shopId, period.from, period.to)]);
  let state: ShopState;
  let outstanding: number;
  if (!read) {
    const snap = await snapshotShop(sql, shopId, { since: period.previousFrom, dashboardOnly: true });
    state = snap?.state ?? {};
    const tot = state[SUFFIX.tot];
    outstanding = Number((tot && 'h' in tot ? tot.h.out : 0) ?? 0);
  } else {
    ({ state, outstanding } = read);
  }
  return buildInsights(state, period, outstanding, breakdown);
}

/**
 * The day buckets from Redis in bounded pipelines (PIPELINE_CHUNK commands a round trip), each
 * opening with the shop's seq and the time of its last rebuild: a chunk that sees another rebuild
 * than the first (one finished in between) or none (being rebuilt) makes the whole read fall back
 * to SQL, so figures of two rebuilds are never mixed (events applied in between are live
 * figures moving, as in any read of a busy shop). Undefined: no usable state in Redis.
 */
async function readDays(deps: DashboardDeps, shopId: number, days: string[]): Promise<{ state: ShopState; outstanding: number } | undefined> {
  const shop = deps.keys.agg(shopId);
  const state: ShopState = {};
  let outstanding = 0;
  let version: string | undefined;
  for (let i = 0; i === 0 || i < days.length; i += PIPELINE_CHUNK) {
    const chunk = days.slice(i, i + PIPELINE_CHUNK);
    const pipe = deps.redis.pipeline();
    pipe.hmget(shop.meta, 'seq', 'rebuilt_at');
    if (i === 0) pipe.hget(shop.full(SUFFIX.tot), 'out');
    for (const d of chunk) pipe.hgetall(shop.full(SUFFIX.day(d)));
    const r = (await pipe.exec()) ?? [];
    const [seq, rebuiltAt] = (r[0]?.[1] ?? []) as (string | null)[];
    if (seq == null) return undefined;
    const v = rebuiltAt ?? '';
    if (version !== undefined && v !== version) return undefined;
    version = v;
    const first = i === 0 ? 2 : 1;
    if (i === 0) outstanding = Number(r[1]?.[1] ?? 0);
    chunk.forEach((d, j) => {
      state[SUFFIX.day(d)] = { h: (r[j + first]?.[1] ?? {}) as Record<string, string> };
    });
  }
  return { state, outstanding };
}
