/**
 * GET /api/financial-insights: day buckets from Redis (one pipelined HGETALL per day of both
 * periods: O(days), whatever the number of bills), the expense breakdown by category from SQL
 * (buckets do not keep categories), and a SQL snapshot when Redis has no state for the shop.
 */
import type { Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { SUFFIX } from '../../redis/keys.ts';
import type { ShopState } from '../aggregates/snapshot.ts';
import { snapshotShop } from '../aggregates/snapshot.ts';
import { fromFils } from '../common/money.ts';
import type { DashboardDeps } from '../dashboard/read.ts';
import { addDays, dayRange, localDate } from '../dashboard/dates.ts';
import { shopTimeZone } from '../shops/timezone.ts';
import { buildInsights, type Granularity, type InsightsPeriod } from './build.ts';
import type { InsightsQuery } from './schema.ts';

/** Longest period accepted, in days (ten years). */
const MAX_DAYS = 3660;

export function resolvePeriod(q: InsightsQuery, today: string): InsightsPeriod {
  const to = q.to ?? today;
  const from = q.from ?? addDays(to, -((q.days ?? 30) - 1));
  if (from > to) throw ERRORS.validation([{ field: 'from', message: 'must not be after to' }]);
  const length = dayRange(from, to).length;
  if (length > MAX_DAYS) throw ERRORS.validation([{ field: 'from', message: `the period may span at most ${MAX_DAYS} days` }]);
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

export async function getInsights(deps: DashboardDeps, shopId: number, q: InsightsQuery, now = new Date()) {
  const tz = await shopTimeZone(deps.sql, shopId);
  const period = resolvePeriod(q, localDate(now, tz));
  const days = dayRange(period.previousFrom, period.to);
  const shop = deps.keys.agg(shopId);
  const pipe = deps.redis.pipeline();
  pipe.hget(shop.meta, 'seq');
  pipe.hget(shop.full(SUFFIX.tot), 'out');
  for (const d of days) pipe.hgetall(shop.full(SUFFIX.day(d)));
  const [res, breakdown] = await Promise.all([pipe.exec(), expenseBreakdown(deps.sql, shopId, period.from, period.to)]);
  const r = res ?? [];
  let state: ShopState;
  let outstanding: number;
  if (r[0]?.[1] == null) {
    const snap = await snapshotShop(deps.sql, shopId, { since: period.previousFrom, dashboardOnly: true });
    state = snap?.state ?? {};
    const tot = state[SUFFIX.tot];
    outstanding = Number((tot && 'h' in tot ? tot.h.out : 0) ?? 0);
  } else {
    state = {};
    days.forEach((d, i) => {
      state[SUFFIX.day(d)] = { h: (r[i + 2]?.[1] ?? {}) as Record<string, string> };
    });
    outstanding = Number(r[1]?.[1] ?? 0);
  }
  return buildInsights(state, period, outstanding, breakdown);
}
