/**
 * Prometheus metrics (prom-client), one registry per app instance so tests can run several apps
 * in one process. Requests are labelled by route pattern, never by raw URL.
 *
 * Figures that live elsewhere (sockets, queues, connections, dependency health) are read at
 * scrape time from the sources a node registers with `watch`, so nothing polls between scrapes
 * and this module imports none of the parts it describes. The operators' kit in ops/ (Grafana
 * dashboard, Prometheus rules) uses these names; test/ops-kit.test.ts checks each one exists.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
  /** A bill's transaction start → its bill:created handed to Socket.IO (the aggregator's lag as managers feel it). */
  observePush(seconds: number): void;
  /** Shops whose aggregates stopped at an event that cannot be applied (see domain/aggregates). */
  setStuckShops(count: number): void;
  /** Counts a limit that let a request through because Redis did not answer (fail open). */
  failedOpen(limit: string): void;
  /** Counts a socket disconnected because it stopped reading (realtime/slow-consumers.ts). */
  slowConsumer(): void;
  /** Counts a dashboard read for a push (realtime/publisher.ts): partial (the series keys that moved) or full. */
  dashboardRead(read: 'partial' | 'full'): void;
  /** Counts a read of a cached list (rest/http/read-cache.ts): served from the cache, read afresh, or not cacheable now. */
  readCache(route: string, result: 'hit' | 'miss' | 'bypass'): void;
  /** Exports the read replica's lag (REPORTS_DATABASE_URL), measured at each scrape. */
  watchReplica(lag: () => Promise<{ bytes: number; seconds: number }>): void;
  /** A report build that ended (ok or failed), by format and type. */
  observeReport(format: string, type: string, status: 'ok' | 'failed', seconds: number): void;
  /** The aggregator's sweep: every shop's committed seq against the seq applied in Redis. */
  observeSweep(figures: SweepFigures): void;
  /** Registers where scrape-time figures come from; the returned function unregisters them. */
  watch(sources: MetricSources): () => void;
}

export interface SweepFigures {
  /** Sum over shops of the last event seq committed in Postgres. */
  committed: number;
  /** Sum over shops of the seq applied in Redis (a shop with no Redis state counts 0). */
  applied: number;
  /** Shops whose applied seq is behind their committed one. */
  behindShops: number;
}

export interface QueueFigures {
  queue: string;
  /** Jobs by BullMQ state (waiting, active, delayed, failed, …). */
  counts: Record<string, number>;
  /** Age of the oldest waiting job, seconds (0 when none waits). */
  oldestWaitingSeconds: number;
}

export interface ConnectionFigures {
  application: string;
  state: string;
  count: number;
}

export interface MetricSources {
  /** Connected sockets of this process by role (owner, manager, cashier, terminal, …). */
  sockets?: () => Record<string, number>;
  /** Job counts of the BullMQ queues (read from Redis at scrape time). */
  queues?: () => Promise<QueueFigures[]>;
  /** Connections to this database by application name and state (pg_stat_activity). */
  connections?: () => Promise<ConnectionFigures[]>;
  /** Postgres and Redis: whether each answered its last probe (what /readyz reports). */
  dependencies?: () => Record<string, boolean>;
  /** This process's pool sizes by pool name (the upper bound of its connections in use). */
  poolSizes?: () => Record<string, number>;
}

/** A scrape never waits longer than this for a source; a source that does not answer is left out. */
const SOURCE_TIMEOUT_MS = 1000;

function withTimeout<T>(p: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS);
  });
  return Promise.race([p.catch(() => undefined), late]).finally(() => clearTimeout(timer));
}

export function createMetrics(): HttpMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const push = new Histogram({
    name: 'tajir_bill_push_delay_seconds',
    help: "Bill transaction start to bill:created emitted by the publisher (includes the commit, NOTIFY and the aggregator's apply)",
    buckets: [0.002, 0.005, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const stuck = new Gauge({
    name: 'tajir_aggregates_stuck_shops',
    help: 'Shops whose aggregates stopped at an event that cannot be applied; `aggregates rebuild --shop N` clears one',
    registers: [registry],
  });
  const failOpen = new Counter({
    name: 'tajir_rate_limit_fail_open_total',
    help: 'Requests a rate limit let through because Redis did not answer in time',
    labelNames: ['limit'] as const,
    registers: [registry],
  });
  const readCache = new Counter({
    name: 'tajir_read_cache_total',
    help: 'Reads of cached lists by result: hit (answered from this node\'s cache), miss (read and kept), bypass (not cacheable now: aggregates rebuilding)',
    labelNames: ['route', 'result'] as const,
    registers: [registry],
  });
  const slow = new Counter({
    name: 'tajir_socket_slow_consumer_disconnects_total',
    help: 'Sockets disconnected because their unsent buffer passed the cap (the client stopped reading)',
    registers: [registry],
  });
  const dashboardReads = new Counter({
    name: 'tajir_dashboard_push_reads_total',
    help: 'Dashboard reads for a dashboard:update: partial (only the series days and months that events touched) or full (the first read of a shop, or events applied by another process in between)',
    labelNames: ['read'] as const,
    registers: [registry],
  });
  // The service's own event-loop delay (a stall of every shop's requests and pushes at once). The
  // histogram is reset at every scrape, so max and p99 are "since the last scrape".
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  new Gauge({
    name: 'tajir_event_loop_delay_max_seconds',
    help: 'Largest event-loop delay since the previous scrape',
    registers: [registry],
    collect() {
      this.set(loop.max / 1e9);
    },
  });
  new Gauge({
    name: 'tajir_event_loop_delay_p99_seconds',
    help: 'p99 event-loop delay since the previous scrape',
    registers: [registry],
    collect() {
      this.set(loop.percentile(99) / 1e9);
      // the max gauge above is collected first (registration order); both then start afresh
      loop.reset();
    },
  });
  const reports = new Histogram({
    name: 'tajir_report_duration_seconds',
    help: 'Time to build a report file (claim to file written), by format, report type and outcome',
    labelNames: ['format', 'type', 'status'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const committed = new Gauge({
    name: 'tajir_aggregates_committed_seq_sum',
    help: "Sum over shops of the last event seq committed in Postgres, at the aggregator's last sweep",
    registers: [registry],
  });
  const applied = new Gauge({
    name: 'tajir_aggregates_applied_seq_sum',
    help: "Sum over shops of the event seq applied in Redis, at the aggregator's last sweep (its rate is events applied per second)",
    registers: [registry],
  });
  const behind = new Gauge({
    name: 'tajir_aggregates_behind_shops',
    help: "Shops whose Redis aggregates were behind their Postgres events at the aggregator's last sweep",
    registers: [registry],
  });
  const lastSweep = new Gauge({
    name: 'tajir_aggregates_last_sweep_timestamp_seconds',
    help: "When the aggregator's sweep last completed (Unix time); it stops moving when the aggregator does",
    registers: [registry],
  });

  const sources: MetricSources[] = [];
  const from = <K extends keyof MetricSources>(key: K): NonNullable<MetricSources[K]>[] =>
    sources.flatMap((s) => (s[key] ? [s[key] as NonNullable<MetricSources[K]>] : []));
  new Gauge({
    name: 'tajir_sockets',
    help: 'Connected Socket.IO sockets of this process by role',
    labelNames: ['role'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const read of from('sockets')) for (const [role, n] of Object.entries(read())) this.inc({ role }, n);
    },
  });
  // Both queue gauges show one read of the queues: the registry collects metrics one after the
  // other, so the first collect starts the read and the second, moments later, shares it.
  let queueRead: { at: number; figures: Promise<QueueFigures[]> } | undefined;
  const readQueues = (): Promise<QueueFigures[]> => {
    if (!queueRead || performance.now() - queueRead.at > SOURCE_TIMEOUT_MS) {
      const figures = Promise.all(from('queues').map((read) => withTimeout(read()))).then((all) => all.flatMap((f) => f ?? []));
      queueRead = { at: performance.now(), figures };
    }
    return queueRead.figures;
  };
  new Gauge({
    name: 'tajir_queue_jobs',
    help: 'BullMQ jobs by queue and state (shared by every node: aggregate with max)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      const figures = await readQueues();
      this.reset();
      for (const q of figures) for (const [state, n] of Object.entries(q.counts)) this.set({ queue: q.queue, state }, n);
    },
  });
  new Gauge({
    name: 'tajir_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting in each BullMQ queue (0 when none waits)',
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const figures = await readQueues();
      this.reset();
      for (const q of figures) this.set({ queue: q.queue }, q.oldestWaitingSeconds);
    },
  });
  new Gauge({
    name: 'tajir_db_connections',
    help: "Connections to the service's database by application name and state, as PostgreSQL sees them (every node's: aggregate with max)",
    labelNames: ['application', 'state'] as const,
    registers: [registry],
    async collect() {
      const all = await Promise.all(from('connections').map((read) => withTimeout(read())));
      this.reset();
      for (const c of all.flatMap((f) => f ?? [])) this.inc({ application: c.application, state: c.state }, c.count);
    },
  });
  new Gauge({
    name: 'tajir_db_pool_size',
    help: "This process's PostgreSQL pool sizes by pool (application name)",
    labelNames: ['application'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const read of from('poolSizes')) for (const [application, n] of Object.entries(read())) this.set({ application }, n);
    },
  });
  new Gauge({
    name: 'tajir_dependency_up',
    help: 'Whether PostgreSQL and Redis answered their last probe (1) or not (0); /readyz answers 503 while one is 0',
    labelNames: ['dependency'] as const,
    registers: [registry],
    collect() {
      this.reset();
      for (const read of from('dependencies')) for (const [dependency, up] of Object.entries(read())) this.set({ dependency }, up ? 1 : 0);
    },
  });

  return {
    registry,
    observeReport(format, type, status, seconds) {
      reports.observe({ format, type, status }, seconds);
    },
    observeSweep(f) {
      committed.set(f.committed);
      applied.set(f.applied);
      behind.set(f.behindShops);
      lastSweep.set(Date.now() / 1000);
    },
    watch(s) {
      sources.push(s);
      return () => {
        const i = sources.indexOf(s);
        if (i >= 0) sources.splice(i, 1);
      };
    },
    setStuckShops(count) {
      stuck.set(count);
    },
    failedOpen(limit) {
      failOpen.inc({ limit });
    },
    readCache(route, result) {
      readCache.inc({ route, result });
    },
    slowConsumer() {
      slow.inc();
    },
    dashboardRead(read) {
      dashboardReads.inc({ read });
    },
    watchReplica(lag) {
      // one measurement per scrape for both gauges; -1 while the replica does not answer
      let pending: Promise<{ bytes: number; seconds: number }> | undefined;
      const measure = () => {
        pending ??= lag()
          .catch(() => ({ bytes: -1, seconds: -1 }))
          .finally(() => setTimeout(() => (pending = undefined), 500).unref());
        return pending;
      };
      new Gauge({
        name: 'tajir_replica_lag_bytes',
        help: 'WAL bytes the primary wrote that the reports replica has not replayed (-1: the replica does not answer)',
        registers: [registry],
        async collect() {
          this.set((await measure()).bytes);
        },
      });
      new Gauge({
        name: 'tajir_replica_lag_seconds',
        help: 'Age of the last transaction the reports replica replayed, while it is behind (0 when caught up; -1: no answer)',
        registers: [registry],
        async collect() {
          this.set((await measure()).seconds);
        },
      });
    },
    observePush(seconds) {
      push.observe(seconds);
    },
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}
