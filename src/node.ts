/**
 * startNode: starts the roles of one process on already-built deps. main.ts calls it after
 * migrations; tests call the same function on port 0 (the build/listen split).
 *   api        REST on uWebSockets.js
 *   realtime   Socket.IO on the same app and port (rooms shared across nodes via Redis)
 *   aggregator listens for NOTIFY, applies events to Redis, pushes the changes
 *   worker     background jobs (reports, mail, schedules)
 */
import type { Role } from './config.ts';
import { generateRecurringExpenses } from './domain/expenses/index.ts';
import { createSql, type Sql } from './db/client.ts';
import { createIo, type IoHandle } from './realtime/io.ts';
import { createPublisher, type Publisher } from './realtime/publisher.ts';
import { type RealtimeOptions, startRealtime } from './realtime/server.ts';
import { type Api, buildApi } from './rest/api.ts';
import type { AppDeps, CoreDeps } from './deps.ts';
import { createRedis } from './redis/client.ts';
import { type Aggregator, createAggregator } from './workers/aggregator.ts';
import { mailJobs, reportJobs, startWorkers } from './workers/index.ts';
import { createQueues, queueFigures } from './workers/queues.ts';
import { databaseConnections } from './db/activity.ts';

/** Pools of their own for the aggregator and the workers (see below); /metrics states their sizes. */
const AGGREGATOR_POOL = 4;
const WORKER_POOL = 4;

export interface NodeOptions {
  roles: ReadonlySet<Role>;
  port: number;
  host?: string;
  realtime?: RealtimeOptions;
}

export interface RunningNode {
  /** The node's frozen dependencies: the core it was given plus its notifier and report queue. */
  deps: AppDeps;
  /** the HTTP/Socket.IO port, when the node serves one */
  port: number | undefined;
  api: Api | undefined;
  io: IoHandle;
  publisher: Publisher;
  aggregator: Aggregator | undefined;
  /** Graceful stop: no new connections, in-flight requests finished, pushes flushed, pools closed (deps stay open). */
  stop(graceMs?: number): Promise<void>;
}

export async function startNode(core: CoreDeps, opts: NodeOptions): Promise<RunningNode> {
  const { roles, config } = { roles: opts.roles, config: core.config };
  // Every role that pushes (api: prices and settings; aggregator: figures) needs the Socket.IO
  // server; without the realtime role it stays unattached and emits through the Redis adapter.
  const io = createIo(config, core.keys, core.log);
  const publisher = createPublisher(io.io, core, { windowMs: config.pushWindowMs });
  io.onResubscribed(() => {
    core.log.warn('Socket.IO adapter re-subscribed after a break: telling local managers the current seqs');
    return publisher.announceLocal().catch((err: Error) => core.log.warn({ err: err.message }, 'could not announce the current seqs'));
  });

  // Queues: the API enqueues report jobs, the worker role runs them (here or on other hosts).
  const queueConnection = createRedis(config, { name: 'tajir-queues', maxRetriesPerRequest: null });
  const queues = createQueues(queueConnection, core.keys.bull());
  // Built once, frozen, and only then handed to the roles: nothing is patched in later.
  const deps: AppDeps = Object.freeze({ ...core, notifier: publisher, jobs: reportJobs(queues, core.sql), mailJobs: mailJobs(queues) });

  // /metrics reads the queues and the database's connections at scrape time; the connection
  // count has a connection of its own, so a full pool still shows as full instead of timing out.
  const metricsSql = createSql(config.databaseUrl, { max: 1, applicationName: 'tajir-metrics' });
  const poolSizes: Record<string, number> = { tajir: config.dbPoolSize, 'tajir-probe': 1, 'tajir-metrics': 1 };
  if (roles.has('aggregator')) poolSizes['tajir-aggregator'] = AGGREGATOR_POOL;
  if (roles.has('worker')) poolSizes['tajir-worker'] = WORKER_POOL;
  const unwatch = core.metrics.watch({
    queues: () => queueFigures(queues),
    connections: () => databaseConnections(metricsSql),
    poolSizes: () => poolSizes,
  });

  // The aggregator gets a small pool of its own so catch-ups never queue behind API requests.
  let aggregatorSql: Sql | undefined;
  let aggregator: Aggregator | undefined;
  if (roles.has('aggregator')) {
    aggregatorSql = createSql(config.databaseUrl, { max: AGGREGATOR_POOL, applicationName: 'tajir-aggregator', transactionPooling: config.databaseTransactionPooling });
    aggregator = createAggregator({
      // LISTEN needs a session of its own: the direct connection, never a transaction pooler
      databaseUrl: config.databaseListenUrl,
      sql: aggregatorSql,
      redis: deps.redis,
      keys: deps.keys,
      log: deps.log,
      sweepMs: config.sweepMs,
      hooks: publisher,
      metrics: deps.metrics,
    });
    await aggregator.start();
  }

  // Workers hold cursors for whole reports: a pool of their own keeps them off the API's connections.
  const workerSql = roles.has('worker') ? createSql(config.databaseUrl, { max: WORKER_POOL, applicationName: 'tajir-worker', transactionPooling: config.databaseTransactionPooling }) : undefined;
  // ...and report rows are read on the replica, when there is one (a direct connection: a replica
  // is read-only, so a pooler in front of it would only add a hop)
  const workerReplicaSql = workerSql && config.reportsDatabaseUrl ? createSql(config.reportsDatabaseUrl, { max: WORKER_POOL, applicationName: 'tajir-worker-reports' }) : undefined;
  const workers = workerSql
    ? await startWorkers({ config, sql: workerSql, replicaSql: workerReplicaSql, queues, jobs: deps.jobs, notifier: publisher, log: deps.log, prefix: deps.keys.bull(), clock: deps.clock, generateRecurring: generateRecurringExpenses, metrics: deps.metrics })
    : undefined;

  let realtime: ReturnType<typeof startRealtime> | undefined;
  const api =
    roles.has('api') || roles.has('realtime')
      ? buildApi(deps, {
          rest: roles.has('api'),
          beforeFallback: (app) => {
            if (roles.has('realtime')) {
              realtime = startRealtime(io.io, app, deps, { handshakesPerIp: config.handshakesPerIp, ...opts.realtime });
            }
          },
        })
      : undefined;
  const port = api ? await api.listen(opts.port, opts.host ?? config.host) : undefined;

  return {
    deps,
    port,
    api,
    io,
    publisher,
    aggregator,
    async stop(graceMs = 7000) {
      unwatch();
      realtime?.close();
      await api?.close(graceMs);
      await aggregator?.stop();
      await workers?.close();
      await workerSql?.end({ timeout: 2 });
      await workerReplicaSql?.end({ timeout: 2 });
      await queues.close();
      queueConnection.disconnect();
      await publisher.idle();
      publisher.close();
      await io.close();
      await aggregatorSql?.end({ timeout: 2 });
      await metricsSql.end({ timeout: 2 });
    },
  };
}
