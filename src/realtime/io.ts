/**
 * The Socket.IO server with the Redis adapter, so rooms span every node (adapter.ts: local
 * sockets are sent to without waiting for the publish). Sharded Pub/Sub
 * (Redis 7, SSUBSCRIBE/SPUBLISH) is used on a standalone Redis and on a Redis Cluster alike: in
 * cluster mode the subscriber is an ioredis Cluster with `shardedSubscribers`, which keeps one
 * SSUBSCRIBE connection per master and moves a channel's subscription when its slot changes
 * owner (failover); each room's channel lives on one shard, so a push costs one shard, not all.
 * A process without the realtime role still builds an (unattached) server: its emits go through
 * the adapter to the nodes that hold the sockets (the aggregator pushes this way).
 */
import { Server } from 'socket.io';
import type { Logger } from '../log.ts';
import { createRedis, isCluster, type Redis, type RedisTarget } from '../redis/client.ts';
import type { Keys } from '../redis/keys.ts';
import { createLocalFirstAdapter } from './adapter.ts';
import type { ClientToServerEvents, ServerToClientEvents, SocketData } from './contracts.ts';

/** Quiet time after the adapter's last re-subscription report before onResubscribed listeners run, ms. */
const RESUBSCRIBE_SETTLE_MS = 250;

export type Io = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export interface IoHandle {
  io: Io;
  /**
   * Calls `listener` each time the adapter's subscriptions are back after a break (Redis
   * restarted, a cluster shard failed over), not at the first start. Pub/Sub delivers at most
   * once: what other nodes published while this node was not subscribed is lost, so this node's
   * sockets may be behind without knowing (see Publisher.announceLocal).
   */
  onResubscribed(listener: () => Promise<void>): void;
  close(): Promise<void>;
}

export function createIo(redis: RedisTarget, keys: Keys, log: Logger): IoHandle {
  // Pub/Sub connections must wait for Redis forever rather than fail commands.
  const pub: Redis = createRedis(redis, { name: 'tajir-sio-pub', maxRetriesPerRequest: null, batchWrites: true });
  const sub: Redis = createRedis(redis, { name: 'tajir-sio-sub', maxRetriesPerRequest: null, shardedSubscriber: true });
  const io: Io = new Server({
    serveClient: false,
    adapter: createLocalFirstAdapter(pub, sub, { channelPrefix: keys.socketIo(), subscriptionMode: 'dynamic' }, (err) =>
      log.warn({ err: err.message }, 'Socket.IO publish to other nodes failed; their managers resync on the next seq'),
    ),
    // managers' dashboards reconnect after network blips; keep the defaults generous but bounded
    pingInterval: 20_000,
    pingTimeout: 20_000,
    // client events are a few bytes ({version}, or nothing): a bigger frame is a hostile one
    maxHttpBufferSize: 8 * 1024,
  });
  // standalone: ioredis re-subscribes on every reconnect, then reports ready; cluster: the
  // sharded subscribers are rebuilt after a topology change, then "subscribersReady". Both send
  // the (S)SUBSCRIBEs without waiting for their replies, and while a killed master's replica is
  // not yet promoted ioredis retries, and reports ready, many times a second. So the listeners
  // run once reports have stopped for RESUBSCRIBE_SETTLE_MS (the subscriptions are then in place,
  // and the seqs announced are not older than what arrives after them), one round at a time, and
  // once more after a round during which another report came.
  const resubscribed: (() => Promise<void>)[] = [];
  let started = false;
  let settle: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  const schedule = () => {
    if (running) {
      again = true;
      return;
    }
    clearTimeout(settle);
    settle = setTimeout(() => void round(), RESUBSCRIBE_SETTLE_MS);
  };
  const round = async () => {
    running = true;
    try {
      await Promise.allSettled(resubscribed.map((l) => l()));
    } finally {
      running = false;
      if (again) {
        again = false;
        schedule();
      }
    }
  };
  sub.on(isCluster(sub) ? 'subscribersReady' : 'ready', () => {
    if (!started) {
      started = true;
      return;
    }
    schedule();
  });
  return {
    io,
    onResubscribed: (listener) => void resubscribed.push(listener),
    async close() {
      clearTimeout(settle);
      io.disconnectSockets(true);
      // io.close() dereferences the engine, which an unattached server (no realtime role) never made
      if ((io as unknown as { engine?: unknown }).engine) await new Promise<void>((resolve) => io.close(() => resolve()));
      pub.disconnect();
      sub.disconnect();
    },
  };
}
