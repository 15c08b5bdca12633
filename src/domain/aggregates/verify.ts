/**
 * Compares a shop's aggregates in Redis with the same figures computed by SQL. Both sides are
 * read at the same seq: verify waits (briefly) until Redis has applied everything Postgres holds,
 * and retries when bills keep arriving between the two reads.
 */
import type { Sql } from '../../db/client.ts';
import type { Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { SUFFIX } from '../../redis/keys.ts';
import { zpairs } from '../../redis/replies.ts';
import { appliedSeq } from './apply.ts';
import { type ShopState, snapshotShop } from './snapshot.ts';

export interface Difference {
  key: string;
  field: string;
  redis: string | number | undefined;
  sql: string | number | undefined;
}

export interface VerifyResult {
  shopId: number;
  seq: number;
  differences: Difference[];
  /** set when Redis never caught up with Postgres during the wait */
  error?: string;
}

/** Display names are not figures (a renamed product keeps its old name in old events). */
const IGNORED = new Set([SUFFIX.names]);

/** Reads every aggregate key of the shop into the ShopState layout. */
export async function readShopState(redis: ScriptedRedis, keys: Keys, shopId: number): Promise<ShopState> {
  const shop = keys.agg(shopId);
  const prefix = shop.full('');
  const members = await redis.smembers(shop.registry);
  const pipe = redis.pipeline();
  for (const k of members) pipe.type(k);
  const types = ((await pipe.exec()) ?? []).map(([, t]) => String(t));
  const read = redis.pipeline();
  members.forEach((k, i) => {
    if (types[i] === 'hash') read.hgetall(k);
    else read.call('ZRANGE', k, '0', '-1', 'WITHSCORES');
  });
  const values = (await read.exec()) ?? [];
  const state: ShopState = {};
  members.forEach((k, i) => {
    const v = values[i]?.[1];
    const suffix = k.slice(prefix.length);
    if (types[i] === 'hash') state[suffix] = { h: v as Record<string, string> };
    else if (types[i] === 'zset') {
      state[suffix] = { z: Object.fromEntries(zpairs(v)) };
    }
  });
  return state;
}

function flatten(state: ShopState): Map<string, string | number> {
  const out = new Map<string, string | number>();
  for (const [key, bucket] of Object.entries(state)) {
    if (IGNORED.has(key)) continue;
    const entries = 'h' in bucket ? Object.entries(bucket.h) : Object.entries(bucket.z);
    for (const [field, value] of entries) {
      // zero and absent are the same figure
      if (value === '0' || value === 0) continue;
      out.set(`${key}\u0000${field}`, key === SUFFIX.loy ? JSON.stringify(JSON.parse(String(value))) : typeof value === 'number' ? value : String(value));
    }
  }
  return out;
}

export function diffStates(redisState: ShopState, sqlState: ShopState): Difference[] {
  const a = flatten(redisState);
  const b = flatten(sqlState);
  const diffs: Difference[] = [];
  for (const k of new Set([...a.keys(), ...b.keys()])) {
    const x = a.get(k);
    const y = b.get(k);
    if (String(x) !== String(y)) {
      const [key, field] = k.split('\u0000') as [string, string];
      diffs.push({ key, field, redis: x, sql: y });
    }
  }
  return diffs.sort((p, q) => (p.key + p.field).localeCompare(q.key + q.field));
}

export async function verifyShop(
  sql: Sql,
  redis: ScriptedRedis,
  keys: Keys,
  shopId: number,
  opts: { waitMs?: number } = {},
): Promise<VerifyResult> {
  const deadline = Date.now() + (opts.waitMs ?? 10_000);
  for (;;) {
    const snap = await snapshotShop(sql, shopId);
    if (!snap) return { shopId, seq: 0, differences: [], error: 'no such shop' };
    const before = await appliedSeq(redis, keys, shopId);
    if (before === snap.seq) {
      const state = await readShopState(redis, keys, shopId);
      const after = await appliedSeq(redis, keys, shopId);
      if (after === snap.seq) return { shopId, seq: snap.seq, differences: diffStates(state, snap.state) };
    }
    if (Date.now() > deadline) {
      return { shopId, seq: snap.seq, differences: [], error: `Redis is at seq ${before ?? 'none'} while Postgres is at ${snap.seq}` };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
