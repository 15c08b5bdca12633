/**
 * GET /api/dashboard from Redis: two pipelined round trips whatever the number of bills
 * (O(days shown)). When the shop has no aggregates in Redis (never built, flushed, or being
 * rebuilt) the same document is computed from a SQL snapshot instead, so a reader never sees
 * half a state.
 */
import type { Sql } from '../../db/client.ts';
import { type Keys, type MonthlyTop, SUFFIX } from '../../redis/keys.ts';
import { zpairs } from '../../redis/replies.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { type Bucket, type ShopState, snapshotShop } from '../aggregates/snapshot.ts';
import { shopTimeZone } from '../shops/timezone.ts';
import { buildDashboard, type Dashboard, windowKeys } from './build.ts';
import { localDate } from './dates.ts';

export interface DashboardDeps {
  sql: Sql;
  redis: ScriptedRedis;
  keys: Keys;
}

const TOPS: MonthlyTop[] = ['pr', 'pq', 'area', 'cust', 'emp'];
const N = 10;

type PipeResult = [Error | null, unknown][];

/**
 * The last dashboard built per shop, keyed by (seq, today): the document is a pure function of
 * the applied seq and the date, so while neither moves a read costs one HGET instead of two
 * pipelines and a rebuild of the document (many managers and sockets read the same shop).
 */
const built = new Map<number, { seq: number; today: string; dashboard: Dashboard }>();
/** Shops kept in the cache. Default 2000. */
const CACHE_SHOPS = 2000;

export async function getDashboard(deps: DashboardDeps, shopId: number, now = new Date()): Promise<Dashboard> {
  const tz = await shopTimeZone(deps.sql, shopId);
  const today = localDate(now, tz);
  const hit = built.get(shopId);
  if (hit && hit.today === today) {
    const seq = await deps.redis.hget(deps.keys.agg(shopId).meta, 'seq');
    if (seq !== null && Number(seq) === hit.seq) return hit.dashboard;
  }
  const fromRedis = await readFromRedis(deps, shopId, { today });
  if (fromRedis) {
    if (built.size >= CACHE_SHOPS && !built.has(shopId)) built.delete(built.keys().next().value as number);
    built.set(shopId, { seq: fromRedis.seq, today, dashboard: fromRedis });
    return fromRedis;
  }
  built.delete(shopId);
  return dashboardFromSql(deps.sql, shopId, now, tz);
}

/** The dashboard computed from Postgres alone (fallback, and the benchmark's baseline). */
export async function dashboardFromSql(sql: Sql, shopId: number, now = new Date(), tz?: string): Promise<Dashboard> {
  const zone = tz ?? (await shopTimeZone(sql, shopId));
  const today = localDate(now, zone);
  const { months } = windowKeys({ today });
  const snap = await snapshotShop(sql, shopId, { since: `${months[0]}-01`, dashboardOnly: true });
  return buildDashboard(snap?.state ?? {}, snap?.seq ?? 0, { today });
}

async function readFromRedis(deps: DashboardDeps, shopId: number, w: { today: string }): Promise<Dashboard | undefined> {
  const { redis, keys } = deps;
  const shop = keys.agg(shopId);
  const { days, month, months } = windowKeys(w);
  const k = (suffix: string) => shop.full(suffix);

  const p1 = redis.pipeline();
  p1.hget(shop.meta, 'seq');
  p1.hgetall(k(SUFFIX.day(w.today)));
  p1.hgetall(k(SUFFIX.month(month)));
  p1.hgetall(k(SUFFIX.tot));
  for (const d of days) p1.hmget(k(SUFFIX.day(d)), 'rev', 'bills', 'col', 'exp');
  for (const m of months) p1.hmget(k(SUFFIX.month(m)), 'rev', 'exp', 'bills');
  for (const t of TOPS) p1.zrevrange(k(SUFFIX.top(month, t)), 0, N - 1, 'WITHSCORES');
  const r1 = (await p1.exec()) as PipeResult;
  const seq = r1[0]?.[1] as string | null;
  if (seq === null || seq === undefined) return undefined;

  const state: ShopState = {};
  const setHash = (suffix: string, h: Record<string, string>) => {
    const cur = state[suffix] as { h: Record<string, string> } | undefined;
    state[suffix] = { h: { ...(cur?.h ?? {}), ...h } };
  };
  const pairs = (reply: unknown) => Object.fromEntries(zpairs(reply));
  let i = 1;
  setHash(SUFFIX.day(w.today), r1[i++]?.[1] as Record<string, string>);
  setHash(SUFFIX.month(month), r1[i++]?.[1] as Record<string, string>);
  setHash(SUFFIX.tot, r1[i++]?.[1] as Record<string, string>);
  for (const d of days) {
    const [rev, bills, col, exp] = (r1[i++]?.[1] ?? []) as (string | null)[];
    if (d !== w.today) setHash(SUFFIX.day(d), compact({ rev, bills, col, exp }));
  }
  for (const m of months) {
    const [rev, exp, bills] = (r1[i++]?.[1] ?? []) as (string | null)[];
    if (m !== month) setHash(SUFFIX.month(m), compact({ rev, exp, bills }));
  }
  const tops: Record<string, Record<string, number>> = {};
  for (const t of TOPS) tops[t] = pairs(r1[i++]?.[1]);

  // Round 2: the other score of each top member, and display names.
  const prIds = Object.keys(tops.pr ?? {});
  const pqIds = Object.keys(tops.pq ?? {});
  const empIds = Object.keys(tops.emp ?? {});
  const nameFields = [
    ...new Set([...prIds, ...pqIds].map((id) => `p:${id}`)),
    ...Object.keys(tops.cust ?? {}).map((id) => `c:${id}`),
    ...empIds.map((id) => `e:${id}`),
  ];
  const p2 = redis.pipeline();
  p2.call('ZMSCORE', k(SUFFIX.top(month, 'pq')), ...(prIds.length ? prIds : ['-']));
  p2.call('ZMSCORE', k(SUFFIX.top(month, 'pr')), ...(pqIds.length ? pqIds : ['-']));
  p2.call('ZMSCORE', k(SUFFIX.top(month, 'empb')), ...(empIds.length ? empIds : ['-']));
  p2.hmget(k(SUFFIX.names), ...(nameFields.length ? nameFields : ['-']));
  const r2 = (await p2.exec()) as PipeResult;
  const merge = (into: Record<string, number>, ids: string[], scores: (string | null)[]) => {
    ids.forEach((id, j) => {
      if (scores[j] != null) into[id] = Number(scores[j]);
    });
  };
  const pq = { ...tops.pq };
  const pr = { ...tops.pr };
  const empb: Record<string, number> = {};
  merge(pq, prIds, r2[0]?.[1] as (string | null)[]);
  merge(pr, pqIds, r2[1]?.[1] as (string | null)[]);
  merge(empb, empIds, r2[2]?.[1] as (string | null)[]);
  const zset = (z: Record<string, number>): Bucket => ({ z });
  state[SUFFIX.top(month, 'pq')] = zset(pq);
  state[SUFFIX.top(month, 'pr')] = zset(pr);
  state[SUFFIX.top(month, 'area')] = zset(tops.area ?? {});
  state[SUFFIX.top(month, 'cust')] = zset(tops.cust ?? {});
  state[SUFFIX.top(month, 'emp')] = zset(tops.emp ?? {});
  state[SUFFIX.top(month, 'empb')] = zset(empb);
  const nameValues = r2[3]?.[1] as (string | null)[];
  const names: Record<string, string> = {};
  nameFields.forEach((f, j) => {
    if (nameValues?.[j] != null) names[f] = nameValues[j] as string;
  });
  state[SUFFIX.names] = { h: names };
  return buildDashboard(state, Number(seq), w);
}

function compact(o: Record<string, string | null | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(o)) if (v != null) out[k] = v;
  return out;
}
