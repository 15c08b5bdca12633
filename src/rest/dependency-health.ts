/**
 * Whether PostgreSQL and Redis answer, probed in the background twice a second, so a request that
 * waits on one of them can be answered 503 `dependency_unavailable` at once (http/routing.ts) and
 * /readyz can name the one that is down, without probing on the request's own time.
 * PostgreSQL is probed on a connection of its own: a pool full of stuck queries must not read as
 * "up", and a probe must not wait behind them.
 */
import type { Sql } from '../db/client.ts';
import type { Redis } from '../redis/client.ts';

export type Dependency = 'postgres' | 'redis';

export interface DependencyHealth {
  /** The dependencies whose last probe failed (empty when both answer). */
  down(): Dependency[];
  /** Probes now (waiting at most CHECK_TIMEOUT_MS) and returns what is down. */
  check(): Promise<Dependency[]>;
  close(): Promise<void>;
}

/** Between two probes, ms. */
const PROBE_INTERVAL_MS = 500;
/** How long /readyz waits for a probe (time this process could run: liveDelay); a dependency still silent then is reported down, ms. */
const CHECK_TIMEOUT_MS = 1500;
/** A probe unanswered this long marks its dependency down (a server that hangs), ms; counted in probe intervals, so a stall of this process is one. */
const HUNG_MS = 3000;

export function createDependencyHealth(probeSql: Sql, redis: Redis): DependencyHealth {
  const state: Record<Dependency, boolean> = { postgres: true, redis: true };
  /** dependencies whose probe of the current round has not answered yet */
  const pending = new Set<Dependency>();
  let running: Promise<void> | undefined;

  const down = (): Dependency[] => (Object.keys(state) as Dependency[]).filter((d) => !state[d]);

  // A probe's verdict is its outcome, not a short timer of ours: in a busy process a timer can fire
  // before a reply that has already arrived is read, and a healthy database would read as down.
  // A server that is gone fails fast (refused, reset) or within the clients' own timeouts
  // (postgres.js connect_timeout, the Redis client's commandTimeout); one that hangs with the
  // connection open is marked down once its probe has waited HUNG_MS.
  const settle = (d: Dependency, p: Promise<unknown>): Promise<void> => {
    pending.add(d);
    return p.then(
      () => {
        state[d] = true;
      },
      () => {
        state[d] = false;
      },
    ).finally(() => pending.delete(d));
  };

  /** Probe intervals the current round has been waiting through (a stall of this process counts as one). */
  let roundsWaited = 0;
  const probe = (): Promise<void> => {
    if (!running) roundsWaited = 0;
    running ??= Promise.all([
      settle('postgres', probeSql`select 1`),
      // a client that lost its connection is down now, whatever its queue would do later
      settle('redis', ['reconnecting', 'close', 'end'].includes(redis.status) ? Promise.reject(new Error(redis.status)) : redis.ping()),
    ]).then(() => {
      running = undefined;
    });
    return running;
  };

  // Hung is counted in intervals, not in wall time: after a stall of this process the interval
  // fires once, before the reply that arrived meanwhile is read, and must not read it as silence.
  const timer = setInterval(() => {
    if (running && ++roundsWaited * PROBE_INTERVAL_MS >= HUNG_MS) for (const d of pending) state[d] = false;
    void probe();
  }, PROBE_INTERVAL_MS);
  timer.unref();

  return {
    down,
    async check() {
      const late = liveDelay(CHECK_TIMEOUT_MS);
      await Promise.race([probe(), late.done]);
      late.cancel();
      // a dependency still silent after CHECK_TIMEOUT_MS is down for this answer
      return (Object.keys(state) as Dependency[]).filter((d) => !state[d] || pending.has(d));
    },
    async close() {
      clearInterval(timer);
      await probeSql.end({ timeout: 1 }).catch(() => {});
    },
  };
}

/**
 * Resolves after `ms` during which this process could run: counted in steps of at most 250 ms, a
 * step that came late (the process stalled: a long GC) counting as one, so what arrived during a
 * stall is read before the wait ends. The drivers' timeouts follow the same rule
 * (patches/postgres+3.4.9.patch, patches/ioredis+6.0.0.patch).
 */
function liveDelay(ms: number): { done: Promise<void>; cancel(): void } {
  const step = Math.min(250, ms);
  let left = ms;
  let last = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const done = new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      left -= Math.min(now - last, step);
      last = now;
      if (left > 0) timer = setTimeout(tick, Math.min(step, left));
      else resolve();
    };
    timer = setTimeout(tick, step);
  });
  return { done, cancel: () => clearTimeout(timer) };
}
