/**
 * Which terminals are connected, across every realtime node. Each node writes a heartbeat for
 * the terminals connected to it (on connect and every HEARTBEAT_MS); a terminal is online while
 * its last heartbeat is younger than ONLINE_MS, so a node that dies takes its terminals offline
 * within that time without anyone cleaning up after it.
 */
import type { Keys } from '../../redis/keys.ts';
import type { Redis } from '../../redis/client.ts';
import { zpairs } from '../../redis/replies.ts';

/** Default 10 s. */
export const HEARTBEAT_MS = 10_000;
/** Default 35 s (three missed heartbeats and a margin). */
export const ONLINE_MS = 35_000;

export async function heartbeat(redis: Redis, keys: Keys, shopId: number, terminalIds: number[], now = Date.now()): Promise<void> {
  if (terminalIds.length === 0) return;
  const key = keys.presence(shopId);
  await redis
    .multi()
    .zadd(key, ...terminalIds.flatMap((id) => [now, String(id)]))
    .zremrangebyscore(key, '-inf', now - ONLINE_MS)
    .pexpire(key, ONLINE_MS * 2)
    .exec();
}

export async function markOffline(redis: Redis, keys: Keys, shopId: number, terminalId: number): Promise<void> {
  await redis.zrem(keys.presence(shopId), String(terminalId));
}

/** terminal id → last heartbeat (ms), for the terminals online now. */
export async function onlineTerminals(redis: Redis, keys: Keys, shopId: number, now = Date.now()): Promise<Map<number, number>> {
  const reply = await redis.zrangebyscore(keys.presence(shopId), now - ONLINE_MS, '+inf', 'WITHSCORES');
  return new Map(zpairs(reply).map(([id, at]) => [Number(id), at]));
}
