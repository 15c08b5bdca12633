/**
 * Per-customer and per-employee figures (bills, spend, last visit) read from the Redis
 * aggregates in one HMGET for a whole page, whatever the number of bills; computed by SQL for
 * the page instead while the shop's aggregates are missing or being rebuilt.
 */
import type { Db } from '../../db/client.ts';
import { SUFFIX, type Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';

export interface PersonFigures {
  bills: number;
  spentFils: number;
  lastVisitMs: number | null;
}

export interface FiguresDeps {
  sql: Db;
  redis: ScriptedRedis;
  keys: Keys;
}

async function fromRedis(deps: FiguresDeps, shopId: number, hash: string, ids: number[], withLast: boolean) {
  const shop = deps.keys.agg(shopId);
  const fields = ids.flatMap((id) => (withLast ? [`${id}:b`, `${id}:s`, `${id}:l`] : [`${id}:b`, `${id}:s`]));
  const [[, seq], [, values]] = (await deps.redis.pipeline().hget(shop.meta, 'seq').hmget(shop.full(hash), ...fields).exec()) as [
    [unknown, string | null],
    [unknown, (string | null)[]],
  ];
  if (seq === null) return undefined;
  const step = withLast ? 3 : 2;
  const out = new Map<number, PersonFigures>();
  ids.forEach((id, i) => {
    const v = values.slice(i * step, i * step + step);
    out.set(id, { bills: Number(v[0] ?? 0), spentFils: Number(v[1] ?? 0), lastVisitMs: withLast && v[2] ? Number(v[2]) : null });
  });
  return out;
}

export async function customerFigures(deps: FiguresDeps, shopId: number, ids: number[]): Promise<Map<number, PersonFigures>> {
  if (ids.length === 0) return new Map();
  const cached = await fromRedis(deps, shopId, SUFFIX.cus, ids, true);
  if (cached) return cached;
  const rows = await deps.sql<{ id: number; bills: number; spent: number; last: Date | null }[]>`
    select customer_id as id, count(*) filter (where status <> 'Cancelled')::int as bills,
           coalesce(sum(total_fils) filter (where status <> 'Cancelled'), 0)::bigint as spent, max(created_at) as last
    from bills where shop_id = ${shopId} and customer_id in ${deps.sql(ids)} group by customer_id`;
  const out = new Map(ids.map((id) => [id, { bills: 0, spentFils: 0, lastVisitMs: null } as PersonFigures]));
  for (const r of rows) out.set(r.id, { bills: r.bills, spentFils: r.spent, lastVisitMs: r.last ? r.last.getTime() : null });
  return out;
}

export async function employeeFigures(deps: FiguresDeps, shopId: number, ids: number[]): Promise<Map<number, PersonFigures>> {
  if (ids.length === 0) return new Map();
  const cached = await fromRedis(deps, shopId, SUFFIX.emp, ids, false);
  if (cached) return cached;
  const rows = await deps.sql<{ id: number; bills: number; spent: number }[]>`
    select employee_id as id, count(*)::int as bills, sum(total_fils)::bigint as spent
    from bills where shop_id = ${shopId} and status <> 'Cancelled' and employee_id in ${deps.sql(ids)} group by employee_id`;
  const out = new Map(ids.map((id) => [id, { bills: 0, spentFils: 0, lastVisitMs: null } as PersonFigures]));
  for (const r of rows) out.set(r.id, { bills: r.bills, spentFils: r.spent, lastVisitMs: null });
  return out;
}
