/**
 * At most N sockets per principal across every node (DOMAIN.md "Bounds": 20 per user, 2 per
 * terminal): a leaked token or a reconnect loop cannot pile up connections. Each principal's
 * sockets are a Redis sorted set of socket id → connect time; past the cap the OLDEST are told
 * `session:ended {reason: "too_many_sockets"}` and disconnected through the adapter, wherever they
 * are. A node that dies leaves its entries behind; they are the oldest, so the next connect past
 * the cap evicts them (a no-op for sockets that are gone), and the key expires when idle.
 */
import type { Redis } from '../redis/client.ts';

/** How long an idle principal's set lives, s: longer than any socket stays connected between two connects. */
const KEY_TTL_S = 7 * 24 * 3600;

export interface SocketCap {
  /** Records a new socket; resolves with the ids of the sockets to evict (oldest first). */
  admit(key: string, socketId: string, limit: number, now?: number): Promise<string[]>;
  release(key: string, socketId: string): Promise<void>;
}

export function createSocketCap(redis: Redis): SocketCap {
  return {
    async admit(key, socketId, limit, now = Date.now()) {
      const r = await redis
        .multi()
        .zadd(key, now, socketId)
        .expire(key, KEY_TTL_S)
        // everything but the newest `limit`, oldest first
        .zrange(key, '0', String(-(limit + 1)))
        .exec();
      const evict = (r?.[2]?.[1] ?? []) as string[];
      if (evict.length > 0) await redis.zrem(key, ...evict);
      return evict;
    },
    async release(key, socketId) {
      await redis.zrem(key, socketId);
    },
  };
}
