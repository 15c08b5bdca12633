/**
 * Rebuilds one shop's aggregates from Postgres. Three steps:
 * 1. begin-rebuild.lua claims the shop and removes its `seq`: appliers stop, readers fall back to SQL;
 * 2. one REPEATABLE READ snapshot computes every figure and the seq they correspond to;
 * 3. replace-shop.lua drops the old keys and writes the new ones with that seq, atomically.
 * Events committed after the snapshot are then applied by the normal catch-up. A rebuild whose
 * process dies leaves a claim that another aggregator takes over after STALE_CLAIM_MS.
 */
import { randomUUID } from 'node:crypto';
import type { Sql } from '../../db/client.ts';
import type { Keys } from '../../redis/keys.ts';
import type { ScriptedRedis } from '../../redis/scripts.ts';
import { snapshotShop } from './snapshot.ts';

/** How long a rebuild claim is honoured before another process may take over. Default 60 s. */
export const STALE_CLAIM_MS = 60_000;

export type RebuildResult = { status: 'rebuilt'; seq: number } | { status: 'busy' } | { status: 'no_shop' };

export async function rebuildShop(sql: Sql, redis: ScriptedRedis, keys: Keys, shopId: number): Promise<RebuildResult> {
  const shop = keys.agg(shopId);
  const token = randomUUID();
  const claimed = await redis.beginRebuild(shop.meta, token, String(Date.now()), String(STALE_CLAIM_MS));
  if (claimed !== 1) return { status: 'busy' };
  const snap = await snapshotShop(sql, shopId);
  if (!snap) {
    await redis.hdel(shop.meta, 'rebuilding', 'rebuild_started');
    return { status: 'no_shop' };
  }
  const data: Record<string, unknown> = {};
  for (const [suffix, bucket] of Object.entries(snap.state)) data[shop.full(suffix)] = bucket;
  const written = await redis.replaceShop(shop.meta, shop.registry, String(snap.seq), JSON.stringify(data), token, new Date().toISOString());
  return written === 1 ? { status: 'rebuilt', seq: snap.seq } : { status: 'busy' };
}
