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
}

export function createRedis(url: string, options: RedisClientOptions = {}): Redis {
  const opts: RedisOptions = {
    connectionName: options.name ?? 'tajir',
    maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 2 : options.maxRetriesPerRequest,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    connectTimeout: 3000,
    // Back off to at most 2 s between reconnects; never give up: Redis coming back must heal us.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    lazyConnect: false,
  };
  const client = new Redis(url, opts);
  // prevents a crash when the client emits 'error' without a listener (e.g. Redis restarting);
  // ioredis reconnects by itself and callers see the failed commands.
  client.on('error', () => {});
  return client;
}
