/**
 * Prometheus metrics (prom-client), one registry per app instance so tests can run several apps
 * in one process. Requests are labelled by route pattern, never by raw URL.
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
  /** Exports the read replica's lag (REPORTS_DATABASE_URL), measured at each scrape. */
  watchReplica(lag: () => Promise<{ bytes: number; seconds: number }>): void;
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
  const slow = new Counter({
    name: 'tajir_socket_slow_consumer_disconnects_total',
    help: 'Sockets disconnected because their unsent buffer passed the cap (the client stopped reading)',
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
  return {
    registry,
    setStuckShops(count) {
      stuck.set(count);
    },
    failedOpen(limit) {
      failOpen.inc({ limit });
    },
    slowConsumer() {
      slow.inc();
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
