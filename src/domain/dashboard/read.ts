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
  const fromRedis = await readFromRedis(deps, shopId, today);
  if (fromRedis) {
    built.set(shopId, { version: versionOf(fromRedis.kept.seq, fromRedis.kept.rebuiltAt), today, dashboard: fromRedis.dashboard });
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
  /** the suffixes of the daily and monthly series' hashes, in the window's order (a partial read picks from them) */
  daySuffixes: readonly string[];
  monthSuffixes: readonly string[];
}

/** Where the series' keys sit in ScriptArgs.args: after meta, today, this month and the totals. */
const SERIES_AT = 4;
/** The keys after the series: five top lists, empb and the names hash. */
const TAIL_KEYS = TOPS.length + 2;

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
  const made = {
    today,
    prefix: shop.meta,
    numKeys: keyList.length,
    args,
    daySuffixes: days.map((d) => SUFFIX.day(d)),
    monthSuffixes: months.map((m) => SUFFIX.month(m)),
  };
  scriptArgs.set(shopId, made);
  return made;
}

/**
 * What a dashboard read from Redis was built from: the base a later partial read (readForPush)
 * merges into. `state` is never changed once made; a partial read makes a new one.
 */
export interface KeptRead {
  seq: number;
  rebuiltAt: string | false;
  today: string;
  /** the shop's meta key when read (a new key prefix is another state) */
  prefix: string;
  state: ShopState;
}

/** A push's read: the dashboard, what it was built from (none when it came from SQL), and whether it was partial. */
export interface PushRead {
  dashboard: Dashboard;
  kept?: KeptRead;
  partial: boolean;
}

/**
 * What changed since a kept read, as the caller (the publisher) knows it: every aggregate key
 * (suffix) that events after `kept.seq` up to `through` touch. Events applied past `through`
 * (by another process) are not known, so a reply at another seq is read again in full.
 */
export interface ChangedSince {
  kept: KeptRead;
  through: number;
  keys: ReadonlySet<string>;
}

/**
 * The dashboard for a push, read fresh from Redis. With `since`, only the daily and monthly
 * series' hashes that `since.keys` names are read; the rest of the series is taken from the kept
 * state (the figures of a day no event touched cannot have moved). Today, this month, the totals,
 * the top lists and the names are read every time, as they move with nearly every bill.
 *
 * The partial answer is used only when it is exactly the state at a seq the caller's keys
 * cover (kept.seq ≤ seq ≤ through), of the same rebuild, date and key prefix; anything else is
 * read again in full. A bill touches one day of 30 and one month of 12, so on a shop with history
 * this skips most of what a push read (bench/dashboard-read.ts).
 */
export async function readForPush(deps: DashboardDeps, shopId: number, since?: ChangedSince): Promise<PushRead> {
  const now = deps.clock.now();
  const tz = await shopTimeZone(deps.sql, shopId);
  const today = localDate(now, tz);
  const fromRedis =
    (since && since.kept.today === today && since.kept.prefix === deps.keys.agg(shopId).meta ? await readFromRedis(deps, shopId, today, since) : undefined) ??
    (await readFromRedis(deps, shopId, today));
  if (!fromRedis) {
    built.delete(shopId);
    return { dashboard: await dashboardFromSql(deps.sql, shopId, now, tz), partial: false };
  }
  const { kept, dashboard } = fromRedis;
  built.set(shopId, { version: versionOf(kept.seq, kept.rebuiltAt), today, dashboard });
  return { dashboard, kept, partial: since !== undefined && fromRedis.partial };
}

/** Which series entries a read asks for: all (a full read) or those `since` names. */
function pick(all: readonly string[], skip: string, since: ChangedSince | undefined): number[] {
  const out: number[] = [];
  for (let i = 0; i < all.length; i++) if (all[i] !== skip && (!since || since.keys.has(all[i]!))) out.push(i);
  return out;
}

/**
 * One read-dashboard.lua call. Without `since`: the whole window. With it: the same script given
 * only the series keys `since` names; undefined when its answer cannot be merged exactly (see readForPush).
 */
async function readFromRedis(
  deps: DashboardDeps,
  shopId: number,
  today: string,
  since?: ChangedSince,
): Promise<{ dashboard: Dashboard; kept: KeptRead; partial: boolean } | undefined> {
  const { redis, keys } = deps;
  const w = { today };
  const { month } = windowKeys(w);
  const a = readArgs(keys, shopId, today);
  const dayAt = pick(a.daySuffixes, SUFFIX.day(today), since);
  const monthAt = pick(a.monthSuffixes, SUFFIX.month(month), since);
  let numKeys = a.numKeys;
  let args = a.args;
  if (since) {
    // the same script, given the chosen series keys only
    const D = a.daySuffixes.length;
    const tail = args.slice(SERIES_AT + D + a.monthSuffixes.length, a.numKeys);
    const chosen = [...dayAt.map((i) => args[SERIES_AT + i]!), ...monthAt.map((i) => args[SERIES_AT + D + i]!)];
    numKeys = SERIES_AT + chosen.length + TAIL_KEYS;
    args = [...args.slice(0, SERIES_AT), ...chosen, ...tail, String(dayAt.length), String(monthAt.length), ...args.slice(a.numKeys + 2)];
  }
  const reply = JSON.parse(await redis.readDashboard(numKeys, ...args)) as DashboardReply;
  if (reply.seq === false) return undefined;
  const seq = Number(reply.seq);
  const rebuiltAt = reply.rebuilt_at || false;
  if (since && (seq < since.kept.seq || seq > since.through || rebuiltAt !== since.kept.rebuiltAt)) return undefined;

  const list = <T>(v: T[] | Record<string, never> | undefined): T[] => (Array.isArray(v) ? v : []);
  const values = (v: Values | undefined): (string | null)[] => list(v).map((x) => (x === false ? null : x));
  const dayValues = values(reply.days);
  const monthValues = values(reply.months);
  const topLists = list(reply.tops).map((t) => list(t));
  const pqOfPr = values(reply.pq_of_pr);
  const prOfPq = values(reply.pr_of_pq);
  const empbOfEmp = values(reply.empb_of_emp);

  // a partial read starts from the kept state: the series entries it did not read stand as they were
  const state: ShopState = since ? { ...since.kept.state } : {};
  const flat = (f: string[]) => {
    const h: Record<string, string> = {};
    for (let i = 0; i < f.length; i += 2) h[f[i]!] = f[i + 1]!;
    return h;
  };
  state[SUFFIX.day(today)] = { h: flat(list(reply.today)) };
  state[SUFFIX.month(month)] = { h: flat(list(reply.month)) };
  state[SUFFIX.tot] = { h: flat(list(reply.totals)) };
  // the j-th hash of a series: its fields that have a value
  const named = (fields: readonly string[], values: (string | null)[], j: number) => {
    const h: Record<string, string> = {};
    for (let i = 0; i < fields.length; i++) {
      const v = values[j * fields.length + i];
      if (v != null) h[fields[i]!] = v;
    }
    return h;
  };
  dayAt.forEach((i, j) => {
    state[a.daySuffixes[i]!] = { h: named(SERIES_FIELDS.day, dayValues, j) };
  });
  monthAt.forEach((i, j) => {
    state[a.monthSuffixes[i]!] = { h: named(SERIES_FIELDS.month, monthValues, j) };
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
  state[SUFFIX.names] = { h: flat(list(reply.names)) };
  return {
    dashboard: buildDashboard(state, seq, w),
    kept: { seq, rebuiltAt, today, prefix: a.prefix, state },
    partial: since !== undefined,
  };
}
