/**
 * GET /api/dashboard from Redis: one script call (read-dashboard.lua, named fields) whatever the
 * number of bills (O(days shown)). When the shop has no aggregates in Redis (never built, flushed, or being
 * rebuilt) the same document is computed from a SQL snapshot instead, so a reader never sees
 * half a state.
 */
import type { Sql } from '../../db/client.ts';
import { type Keys, type MonthlyTop, SUFFIX } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { type ShopState, snapshotShop } from '../aggregates/index.ts';
import { shopTimeZone } from '../shops/index.ts';
import { buildDashboard, type Dashboard, windowKeys } from './build.ts';
import { createCache, localDate, type Cache, type Clock } from '../common/index.ts';

export interface DashboardDeps {
  sql: Sql;
  redis: ScriptedRedis;
  keys: Keys;
  /** "today" in the shop's zone is taken at this clock's now. */
  clock: Clock;
}

const TOPS: MonthlyTop[] = ['pr', 'pq', 'area', 'cust', 'emp'];

/**
 * The fields of each day and month hash that the daily and monthly series show (build.ts reads
 * them). The one list: read-dashboard.lua is passed it and answers in its order.
 */
const SERIES_FIELDS = { day: ['rev', 'bills', 'col', 'exp'], month: ['rev', 'exp', 'bills'] } as const;

/** What read-dashboard.lua answers, by name (see its header); `false` stands for a missing value. */
type Flat = string[] | Record<string, never>;
type Values = (string | false)[] | Record<string, never>;
interface DashboardReply {
  seq: string | false;
  rebuilt_at?: string | false;
  today?: Flat;
  month?: Flat;
  totals?: Flat;
  days?: Values;
  months?: Values;
  tops?: Flat[] | Record<string, never>;
  pq_of_pr?: Values;
  pr_of_pq?: Values;
  empb_of_emp?: Values;
  names?: Flat;
}
const N = 10;

/**
 * The last dashboard built per shop, keyed by (seq, rebuilt_at, today): the document is a pure
 * function of the state at an applied seq and the date, so while none moves a read costs one
 * HMGET instead of the script and a rebuild of the document (many managers and sockets read the
 * same shop). rebuilt_at is part of the key because a rebuild (after a zone change, say) keeps
 * the seq and changes the state.
 */
const built: Cache<number, { version: string; today: string; dashboard: Dashboard }> = createCache({ max: 2000 });
const versionOf = (seq: string | number, rebuiltAt: string | false | null | undefined) => `${seq}/${rebuiltAt || ''}`;

/**
 * `fresh`: the caller knows the shop's seq just moved (the publisher, right after applying
 * events), so the cache check would only cost a round trip.
 */
export async function getDashboard(deps: DashboardDeps, shopId: number, opts: { fresh?: boolean } = {}): Promise<Dashboard> {
  const now = deps.clock.now();
  const tz = await shopTimeZone(deps.sql, shopId);
  const today = localDate(now, tz);
  const hit = built.get(shopId);
  if (hit && hit.today === today && !opts.fresh) {
    const [seq, rebuiltAt] = await deps.redis.hmget(deps.keys.agg(shopId).meta, 'seq', 'rebuilt_at');
    if (seq != null && versionOf(seq, rebuiltAt) === hit.version) return hit.dashboard;
  }
  const fromRedis = await readFromRedis(deps, shopId, { today });
  if (fromRedis) {
    built.set(shopId, { version: fromRedis.version, today, dashboard: fromRedis.dashboard });
    return fromRedis.dashboard;
  }
  built.delete(shopId);
  return dashboardFromSql(deps.sql, shopId, now, tz);
}

/** The dashboard computed from Postgres alone (fallback, and the benchmark's baseline). */
export async function dashboardFromSql(sql: Sql, shopId: number, now: Date, tz?: string): Promise<Dashboard> {
  const zone = tz ?? (await shopTimeZone(sql, shopId));
  const today = localDate(now, zone);
  const { months } = windowKeys({ today });
  const snap = await snapshotShop(sql, shopId, { since: `${months[0]}-01`, dashboardOnly: true });
  return buildDashboard(snap?.state ?? {}, snap?.seq ?? 0, { today });
}

/**
 * read-dashboard.lua's arguments for a shop on a date (its ~50 key names, their count first, then
 * the ARGV), kept per shop while the date holds: the publisher reads a dashboard per bill, and
 * building the names anew each time was a large part of what a push allocated.
 */
const scriptArgs: Cache<number, ScriptArgs> = createCache({ max: 10_000 });
interface ScriptArgs {
  today: string;
  prefix: string;
  numKeys: number;
  /** the keys, then the ARGV */
  args: string[];
}

function readArgs(keys: Keys, shopId: number, today: string): ScriptArgs {
  const shop = keys.agg(shopId);
  const kept = scriptArgs.get(shopId);
  if (kept && kept.today === today && kept.prefix === shop.meta) return kept;
  const { days, month, months } = windowKeys({ today });
  const k = (suffix: string) => shop.full(suffix);
  const keyList = [
    shop.meta,
    k(SUFFIX.day(today)),
    k(SUFFIX.month(month)),
    k(SUFFIX.tot),
    ...days.map((d) => k(SUFFIX.day(d))),
    ...months.map((m) => k(SUFFIX.month(m))),
    ...TOPS.map((t) => k(SUFFIX.top(month, t))),
    k(SUFFIX.top(month, 'empb')),
    k(SUFFIX.names),
  ];
  const args = [...keyList, String(days.length), String(months.length), String(N), SERIES_FIELDS.day.join(','), SERIES_FIELDS.month.join(',')];
  const made = { today, prefix: shop.meta, numKeys: keyList.length, args };
  scriptArgs.set(shopId, made);
  return made;
}

async function readFromRedis(deps: DashboardDeps, shopId: number, w: { today: string }): Promise<{ dashboard: Dashboard; version: string } | undefined> {
  const { redis, keys } = deps;
  const { days, month, months } = windowKeys(w);
  const { numKeys, args } = readArgs(keys, shopId, w.today);
  const reply = JSON.parse(await redis.readDashboard(numKeys, ...args)) as DashboardReply;
  if (reply.seq === false) return undefined;
  const list = <T>(v: T[] | Record<string, never> | undefined): T[] => (Array.isArray(v) ? v : []);
  const values = (v: Values | undefined): (string | null)[] => list(v).map((x) => (x === false ? null : x));
  const today = list(reply.today);
  const thisMonth = list(reply.month);
  const tot = list(reply.totals);
  const dayValues = values(reply.days);
  const monthValues = values(reply.months);
  const topLists = list(reply.tops).map((t) => list(t));
  const pqOfPr = values(reply.pq_of_pr);
  const prOfPq = values(reply.pr_of_pq);
  const empbOfEmp = values(reply.empb_of_emp);
  const nameList = list(reply.names);
  const seq = reply.seq;

  const state: ShopState = {};
  const flat = (f: string[]) => {
    const h: Record<string, string> = {};
    for (let i = 0; i < f.length; i += 2) h[f[i]!] = f[i + 1]!;
    return h;
  };
  state[SUFFIX.day(w.today)] = { h: flat(today) };
  state[SUFFIX.month(month)] = { h: flat(thisMonth) };
  state[SUFFIX.tot] = { h: flat(tot) };
  // the j-th hash of a series: its fields that have a value
  const named = (fields: readonly string[], values: (string | null)[], j: number) => {
    const h: Record<string, string> = {};
    for (let i = 0; i < fields.length; i++) {
      const v = values[j * fields.length + i];
      if (v != null) h[fields[i]!] = v;
    }
    return h;
  };
  days.forEach((d, j) => {
    if (d !== w.today) state[SUFFIX.day(d)] = { h: named(SERIES_FIELDS.day, dayValues, j) };
  });
  months.forEach((m, j) => {
    if (m !== month) state[SUFFIX.month(m)] = { h: named(SERIES_FIELDS.month, monthValues, j) };
  });
  const zset = (f: string[]): Record<string, number> => {
    const z: Record<string, number> = {};
    for (let i = 0; i < f.length; i += 2) z[f[i]!] = Number(f[i + 1]);
    return z;
  };
  const [pr, pq, area, cust, emp] = topLists.map(zset) as Record<string, number>[];
  // members in the script's order (Object.keys would put numeric ids in ascending order)
  const [prIds, pqIds, , , empIds] = topLists.map((f) => f.filter((_, i) => i % 2 === 0));
  // each top list also needs the other score of its members (quantity of a top-revenue product…)
  const merge = (into: Record<string, number>, ids: string[], scores: (string | null)[]) => {
    const out = { ...into };
    ids.forEach((id, j) => {
      if (scores[j] != null) out[id] = Number(scores[j]);
    });
    return out;
  };
  state[SUFFIX.top(month, 'pq')] = { z: merge(pq!, prIds!, pqOfPr) };
  state[SUFFIX.top(month, 'pr')] = { z: merge(pr!, pqIds!, prOfPq) };
  state[SUFFIX.top(month, 'area')] = { z: area! };
  state[SUFFIX.top(month, 'cust')] = { z: cust! };
  state[SUFFIX.top(month, 'emp')] = { z: emp! };
  state[SUFFIX.top(month, 'empb')] = { z: merge({}, empIds!, empbOfEmp) };
  state[SUFFIX.names] = { h: flat(nameList) };
  return { dashboard: buildDashboard(state, Number(seq), w), version: versionOf(seq, reply.rebuilt_at) };
}
