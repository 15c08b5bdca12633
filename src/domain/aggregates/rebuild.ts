/**
 * Rebuilds one shop's aggregates from Postgres:
 * 1. begin-rebuild.lua claims the shop and removes its `seq`: appliers stop, readers fall back to SQL;
 * 2. one REPEATABLE READ snapshot computes every figure and the seq they correspond to;
 * 3. clear-shop-keys.lua drops the old keys, then write-shop-keys.lua writes the new ones, each in
 *    chunks of at most CHUNK_FIELDS values, so no script holds Redis for more than a few
 *    milliseconds however large the shop (a time-zone change once rebuilt a million-bill shop in
 *    one script, and every shop's pushes waited for it);
 * 4. finish-rebuild.lua sets the seq and releases the claim in constant time: readers go from
 *    "no state" (SQL) to the new state whole, never to a mix.
 * Every step checks the claim's token, so a rebuild that lost its claim changes nothing more.
 * Events committed after the snapshot are then applied by the normal catch-up. A rebuild whose
 * process dies leaves a claim that another aggregator takes over after STALE_CLAIM_MS.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client.ts';
import type { Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { FEED_BACKLOG } from './log.ts';
import { type ShopState, snapshotShop } from './snapshot.ts';

/** How long a rebuild claim is honoured before another process may take over. Default 60 s. */
export const STALE_CLAIM_MS = 60_000;
/** Values (hash fields or set members) one script call writes, or keys it drops. */
export const CHUNK_FIELDS = 1000;

/**
 * `fedFrom`: the last seq already on a live feed as the rebuild took it, for a caller that hands
 * the events after it on: the caller's own `fedFrom` (else the shop's mark in Postgres, when it
 * has one), or 0 on a shop's first build (it came from signup and no build of it had finished:
 * shops.first_build_pending, migration 0047); in each case no earlier than `seq` less the
 * backlog the feed takes (RebuildOptions.feedBacklog).
 */
export type RebuildResult = { status: 'rebuilt'; seq: number; fedFrom?: number } | { status: 'busy' } | { status: 'no_shop' };

/** The state as script calls of at most `size` values each: [key, kind, field/value pairs]. */
export function* chunks(state: ShopState, size = CHUNK_FIELDS): Generator<[string, 'h' | 'z', string[]][]> {
  let chunk: [string, 'h' | 'z', string[]][] = [];
  let n = 0;
  for (const [suffix, bucket] of Object.entries(state)) {
    const kind = 'h' in bucket ? 'h' : 'z';
    const entries = Object.entries('h' in bucket ? bucket.h : bucket.z);
    for (let i = 0; i < entries.length; ) {
      const take = Math.min(size - n, entries.length - i);
      // values as strings: Lua would print a number with 14 significant digits
      chunk.push([suffix, kind, entries.slice(i, i + take).flatMap(([f, v]) => [f, String(v)])]);
      i += take;
      n += take;
      if (n === size) {
        yield chunk;
        chunk = [];
        n = 0;
      }
    }
  }
  if (chunk.length) yield chunk;
}

export interface RebuildOptions {
  /** Values per script call (tests set it small). Default CHUNK_FIELDS. */
  chunk?: number;
  /**
   * The last seq the caller knows reached the live feed, when it will hand on the events after it
   * (catch-up.ts). Becomes the shop's "fed" watermark if Redis lost it, so those events are a hole
   * the sweep fills should the caller die, or never hear that the rebuild finished, before it
   * sends them (finish-rebuild.lua). Default: the shop's mark in Postgres (feed_marks, migration
   * 0048, a sweep interval behind at most), so the events committed while Redis was empty and no
   * aggregator remembered anything still reach the feed, some of the last ones perhaps twice.
   */
  fedFrom?: number;
  /**
   * The caller hands the events after `fedFrom` on to the live feed. On a shop's first build it
   * then hands on every event, or the last `feedBacklog` of a longer history: RebuildResult.fedFrom
   * is 0 (or the seq less feedBacklog), and so is "fed".
   */
  handsOn?: boolean;
  /**
   * The caller hands on at most the last this many events (log.ts FEED_BACKLOG): "fed" starts no
   * earlier than the snapshot's seq less this, and RebuildResult.fedFrom says where. Default FEED_BACKLOG.
   */
  feedBacklog?: number;
}

/**
 * A rebuild that fails after it may have claimed the shop (a thrown error, including a command
 * that timed out although Redis ran it) releases its claim before the error goes on, so the next
 * catch-up rebuilds at once instead of after STALE_CLAIM_MS.
 */
export async function rebuildShop(sql: Sql, redis: ScriptedRedis, keys: Keys, shopId: number, opts: RebuildOptions = {}): Promise<RebuildResult> {
  const meta = keys.agg(shopId).meta;
  const token = randomUUID();
  try {
    return await rebuildClaimed(sql, redis, keys, shopId, token, opts);
  } catch (err) {
    // Same connection, so it runs after every command of the rebuild that Redis has yet to run
    // (commands are answered in order, and a reconnect resends unanswered ones first).
    await redis.abandonRebuild(meta, token).catch(() => {});
    throw err;
  }
}

async function rebuildClaimed(sql: Sql, redis: ScriptedRedis, keys: Keys, shopId: number, token: string, opts: RebuildOptions): Promise<RebuildResult> {
  const { chunk: size = CHUNK_FIELDS } = opts;
  const shop = keys.agg(shopId);
  const claimed = await redis.beginRebuild(shop.meta, token, String(Date.now()), String(STALE_CLAIM_MS));
  if (claimed !== 1) return { status: 'busy' };
  // read under the claim: only a rebuild that holds it clears the mark, so it cannot change meanwhile
  const [mark] = await sql<{ pending: boolean; fed: string | null }[]>`
    select first_build_pending as pending, (select fed_seq from feed_marks where shop_id = ${shopId}) as fed
    from shops where id = ${shopId}`;
  const firstBuild = mark?.pending === true;
  // What the caller knows it pushed goes first (it is newer); a caller that knows nothing (a
  // process that started while Redis was empty) takes the mark the sweeps copied to Postgres.
  const persisted = mark?.fed == null ? undefined : Number(mark.fed);
  const fedFrom = firstBuild && opts.handsOn ? 0 : (opts.fedFrom ?? persisted);
  const snap = await snapshotShop(sql, shopId);
  if (!snap) {
    await redis.abandonRebuild(shop.meta, token);
    return { status: 'no_shop' };
  }
  const old = await redis.smembers(shop.registry);
  for (let i = 0; i < old.length; i += size) {
    const drop = old.slice(i, i + size);
    if ((await redis.clearShopKeys(2 + drop.length, shop.meta, shop.registry, ...drop, token)) !== 1) return { status: 'busy' };
  }
  for (const chunk of chunks(snap.state, size)) {
    const keyList: string[] = [];
    const index = new Map<string, number>();
    const parts = chunk.map(([suffix, kind, flat]) => {
      let i = index.get(suffix);
      if (i === undefined) {
        keyList.push(shop.full(suffix));
        i = keyList.length + 2; // after meta and registry; Lua KEYS are 1-based
        index.set(suffix, i);
      }
      return [i, kind, flat];
    });
    const written = await redis.writeShopKeys(2 + keyList.length, shop.meta, shop.registry, ...keyList, token, JSON.stringify(parts));
    if (written !== 1) return { status: 'busy' };
  }
  // a pushed seq past the snapshot's (Redis was ahead of a restored database) says nothing about
  // this state; an older one hands on the backlog's newest events only
  const from = fedFrom !== undefined && fedFrom >= 0 && fedFrom <= snap.seq ? Math.max(fedFrom, snap.seq - (opts.feedBacklog ?? FEED_BACKLOG)) : undefined;
  const done = await redis.finishRebuild(shop.meta, String(snap.seq), token, new Date().toISOString(), ...(from === undefined ? [] : [String(from)]));
  if (done !== 1) return { status: 'busy' };
  if (firstBuild) await clearFirstBuild(sql, shopId);
  return { status: 'rebuilt', seq: snap.seq, ...(from === undefined ? {} : { fedFrom: from }) };
}

/**
 * Records that the shop has been built. Should this fail, the rebuild still stands and its
 * caller still hands the events on; the next rebuild of the shop would take itself for the first
 * and hand them on again (the one fault that sends a bill:created twice, against never).
 */
async function clearFirstBuild(sql: Sql, shopId: number): Promise<void> {
  await sql`update shops set first_build_pending = false where id = ${shopId} and first_build_pending`.catch(() => {});
}
