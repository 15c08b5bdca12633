/**
 * ioredis clients. ioredis 6 speaks RESP3 by default; we keep its "legacy" reply mapping so
 * replies have the RESP2 shapes that BullMQ, rate-limiter-flexible and the Socket.IO adapter expect.
 *
 * With REDIS_CLUSTER_NODES the same function returns an ioredis Cluster. It has the commands,
 * scripts (defineCommand), pipelines and MULTI of a single client, and is typed as one so callers
 * need not care, with one rule that they must keep: a pipeline or MULTI addresses one shop's keys
 * (one hash tag, one slot). Code that reads many shops at once issues separate commands (see
 * isCluster), which the Cluster batches per node (auto-pipelining).
 */
import { Cluster, Redis, type RedisOptions } from 'ioredis';

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
   * ioredis 6.0.0 is patched at install (patches/ioredis+6.0.0.patch): its one timer per command
   * also fired when this process had stalled past it (a long GC) with the reply waiting unread, so
   * the command failed although Redis had answered; the deadline now counts 250 ms steps, a late
   * step as one. Regression tests: test/faults-dependencies.test.ts.
   */
  commandTimeoutMs?: number;
  /** Cluster mode: this client subscribes with SSUBSCRIBE (one connection per master, moved on failover). Default false. */
  shardedSubscriber?: boolean;
  /**
   * Standalone mode: send the commands issued in one tick as one write (ioredis auto-pipelining),
   * as cluster clients always do (but for subscribers). On loopback each write is a syscall that
   * also runs the receiver's side, and under the push load many awaited answers resume in one
   * microtask drain, each writing its next command: issue 20 measured the one-process loop
   * stalling 130-210 ms, and 70-110 ms with this (bench/RESULTS.md). Order on the connection is
   * kept. Never for subscribers or blocking commands (BullMQ). Default false.
   */
  autoPipelining?: boolean;
}

/** True when a command failed because Redis is gone or silent (timeout, closed, reconnecting), not a script fault. */
export function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | null;
  if (!e) return false;
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    e.message === 'Command timed out' ||
    e.message === 'Connection is closed.' ||
    e.message === "Stream isn't writeable and enableOfflineQueue options is false" ||
    // a Redis Cluster mid-failover: no node answers, or the slot has no master yet
    e.name === 'ClusterAllFailedError' ||
    /^(CLUSTERDOWN|TRYAGAIN)\b/.test(e.message ?? '') ||
    e.message === 'Too many Cluster redirections.' ||
    e.message === 'Cluster is disconnected.'
  );
}

/** Where Redis is: a URL, or the cluster's seed nodes (which then win). Config has both fields. */
export interface RedisTarget {
  redisUrl: string;
  redisClusterNodes?: readonly string[] | undefined;
}

/** True for a client made in cluster mode. */
export function isCluster(redis: Redis): boolean {
  return (redis as unknown as { isCluster?: boolean }).isCluster === true;
}

/** The seed nodes as ioredis takes them. */
export function clusterNodes(list: readonly string[]): { host: string; port: number }[] {
  return list.map((hp) => {
    const i = hp.lastIndexOf(':');
    return { host: hp.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hp.slice(i + 1)) };
  });
}

export function createRedis(target: string | RedisTarget, options: RedisClientOptions = {}): Redis {
  const t: RedisTarget = typeof target === 'string' ? { redisUrl: target } : target;
  if (t.redisClusterNodes?.length) return createCluster(t.redisClusterNodes, t.redisUrl, options);
  const url = t.redisUrl;
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
    ...(options.autoPipelining && !options.shardedSubscriber ? { enableAutoPipelining: true, autoPipeliningIgnoredCommands: ['ssubscribe', 'sunsubscribe'] } : {}),
  };
  const client = new Redis(url, opts);
  // prevents a crash when the client emits 'error' without a listener (e.g. Redis restarting);
  // ioredis reconnects by itself and callers see the failed commands.
  client.on('error', () => {});
  return client;
}

/**
 * An ioredis Cluster with the same behaviour as createRedis: same timeouts, retries forever with
 * the same backoff for the cluster as a whole (a node that goes away is dropped and the slots
 * refreshed, which is how ioredis finds a promoted replica), and the same legacy reply shapes.
 * Credentials and TLS of REDIS_URL (rediss://, user:password) apply to every node.
 */
function createCluster(nodes: readonly string[], url: string, options: RedisClientOptions): Redis {
  const u = new URL(url);
  const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 500);
  const cluster = new Cluster(clusterNodes(nodes), {
    clusterRetryStrategy: backoff,
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    // sends each node's commands of one tick as one write: the sweep reads every shop this way.
    // Never for the sharded subscriber, nor for SSUBSCRIBE/SUNSUBSCRIBE on any client: ioredis
    // (6.0) does not exempt them from auto-pipelining, and a pipelined SSUBSCRIBE goes to the
    // slot's master over a plain pool connection, past the subscriber group. The group then never
    // records the channel, so when the slot's master changes (a failover) nobody subscribes it
    // again and the room hears nothing more from other nodes (issue 16's stuck socket).
    enableAutoPipelining: !options.shardedSubscriber,
    autoPipeliningIgnoredCommands: ['ssubscribe', 'sunsubscribe'],
    // a failover moves slots: retry the command on the new owner rather than fail it
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: 2000,
    slotsRefreshInterval: 2000,
    // the Socket.IO adapter's subscriber: one SSUBSCRIBE connection per master, moved on failover
    shardedSubscribers: options.shardedSubscriber ?? false,
    redisOptions: {
      connectionName: options.name ?? 'tajir',
      maxRetriesPerRequest: options.maxRetriesPerRequest === undefined ? 2 : options.maxRetriesPerRequest,
      connectTimeout: 3000,
      ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
      ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
      ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
  cluster.on('error', () => {});
  cluster.on('nodeError', () => {});
  // the command set is the same (Commander); see the header for what differs
  return cluster as unknown as Redis;
}
