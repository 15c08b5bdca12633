/**
 * ioredis clients. ioredis 6 speaks RESP3 by default; we keep its "legacy" reply mapping so
 * replies have the RESP2 shapes that BullMQ, rate-limiter-flexible and the Socket.IO adapter expect.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export interface RedisClientOptions {
  /** Connection name shown by CLIENT LIST. */
  name?: string;
  /** Give up on a command after this many reconnect attempts (null: wait forever, as BullMQ needs). Default 2. */
  maxRetriesPerRequest?: number | null;
  /** Fail fast instead of queueing commands while disconnected. Default false. */
  enableOfflineQueue?: boolean;
  /**
   * Reject a command (queued while disconnected, or sent and unanswered) after this many ms, so a
   * request never waits on a Redis that is gone. Default none (BullMQ's blocking commands).
   */
  commandTimeoutMs?: number;
}

/** True when a command failed because Redis is gone or silent (timeout, closed, reconnecting), not a script fault. */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  if (!e) return false;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    e.message === 'Command timed out' ||
    e.message === 'Connection is closed.' ||
    e.message === "Stream isn't writeable and enableOfflineQueue options is false"
  );
}

export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const opts: RedisOptions = {
    connectionName: options.name ?? 'tajir',
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 2 : options.maxRetriesPerRequest,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    connectTimeout: 3000,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
    // Back off to at most 0.5 s between reconnects and never give up: Redis coming back must heal
    // us within a second or two, and a refused connect costs next to nothing.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 500),
    lazyConnect: false,
  };
  const client = new Redis(url, opts);
  // prevents a crash when the client emits 'error' without a listener (e.g. Redis restarting);
  // ioredis reconnects by itself and callers see the failed commands.
  client.on('error', () => {});
  return client;
}
