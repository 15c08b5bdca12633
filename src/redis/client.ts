/**
 * ioredis clients. ioredis 6 speaks RESP3 by default; we keep its "legacy" reply mapping so
 * replies have the RESP2 shapes that BullMQ, rate-limiter-flexible and the Socket.IO adapter expect.
 *
 * With REDIS_CLUSTER_NODES the same function returns an ioredis Cluster. It has the commands,
 * scripts (defineCommand), pipelines and MULTI of a single client, and is typed as one so callers
 * need not care, with one rule that they must keep: a pipeline or MULTI addresses one shop's keys
 * (one hash tag, one slot). Code that reads many shops at once issues separate commands (see
 * isCluster), which go out as one write per node and turn of the event loop (batchWrites).
 *
 * No client uses ioredis's auto-pipelining (issue 20): every auto-pipelined batch is an ioredis
 * Pipeline, and the young generation's scavenges copied and promoted its commands and their
 * arguments wholesale, as if alive, long after their replies (measured with --trace-gc-nvp: the
 * realtime process promoted 3.1-3.3 MB a scavenge with it, 80-200 KB without; its scavenges took
 * 6.4-7.4 ms instead of 2.6-3.0, and its CPU per bill fell 6%; bench/RESULTS.md, and
 * bench/gc-survivors.ts for a bare loop). batchWrites keeps its one write a turn by corking the
 * connection instead. The explicit pipelines left (a few GET routes, the aggregator's sweep) are
 * per request or per minute, not per bill.
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
   * Send the commands issued in one turn of the event loop as one write (see batchWrites). On
   * loopback each write is a syscall that also runs the receiver's side, and under the push load
   * many awaited answers resume in one microtask drain, each writing its next command: issue 20
   * measured the one-process loop stalling 130-210 ms, and 70-110 ms with one write a turn
   * (bench/RESULTS.md). Order on the connection is kept. Never for subscribers or blocking
   * commands (BullMQ). Default false.
   */
  batchWrites?: boolean;
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
  };
  const client = new Redis(url, opts);
  if (options.batchWrites && !options.shardedSubscriber) batchWrites(client);
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
    // Not auto-pipelining (see the header). It also sent SSUBSCRIBE past ioredis's sharded
    // subscriber group, which then never moved the channel to a slot's new master (issue 16's
    // stuck socket), and grouped scripts with a varying key count by that count, not by a key.
    enableAutoPipelining: false,
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
  // each node's own connection, as it joins the pool (at connect, and after a topology change)
  if (options.batchWrites && !options.shardedSubscriber) cluster.on('+node', (node: Redis) => batchWrites(node));
  // the command set is the same (Commander); see the header for what differs
  return cluster as unknown as Redis;
}

/** What batchWrites uses of ioredis's Redis: the command path and the current connection. */
interface Corkable {
  status: string;
  stream?: { cork(): void; uncork(): void };
  sendCommand(command: unknown, stream?: unknown): unknown;
}

/**
 * Corks the client's connection at the first command of a turn of the event loop and uncorks it
 * in the turn's check phase (setImmediate), so the commands of a turn leave in one write: the
 * same batching, at the same moment, as ioredis's auto-pipelining, with no Pipeline objects
 * (see the header). Commands are still written in the order they are issued and each is queued
 * for its reply as before; only the syscall waits for the end of the turn. A connection that is
 * not ready (connecting, reconnecting: ioredis queues offline) is left alone, and a corked
 * connection that closes meanwhile is simply uncorked.
 */
function batchWrites(client: Redis): void {
  const c = client as unknown as Corkable;
  const send = c.sendCommand.bind(c);
  let corked: Corkable['stream'];
  const uncork = () => {
    const stream = corked;
    corked = undefined;
    stream?.uncork();
  };
  c.sendCommand = (command, stream) => {
    if (!corked && c.status === 'ready' && c.stream) {
      corked = c.stream;
      corked.cork();
      setImmediate(uncork);
    }
    return send(command, stream);
  };
}
