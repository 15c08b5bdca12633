/**
 * Whether PostgreSQL and Redis answer, probed in the background twice a second, so a request that
 * waits on one of them can be answered 503 `dependency_unavailable` at once (http/server.ts) and
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
  /** Probes now (at most `PROBE_TIMEOUT_MS`) and returns what is down. */
  check(): Promise<Dependency[]>;
  close(): Promise<void>;
}

/** Between two probes, ms. */
const PROBE_INTERVAL_MS = 500;
/** A probe slower than this counts as down, ms. */
const PROBE_TIMEOUT_MS = 800;

export function createDependencyHealth(probeSql: Sql, redis: Redis): DependencyHealth {
  const state: Record<Dependency, boolean> = { postgres: true, redis: true };
  let running: Promise<Dependency[]> | undefined;

  const within = <T>(p: Promise<T>): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), PROBE_TIMEOUT_MS);
    });
    return Promise.race([p.then(() => true, () => false), timeout]).finally(() => clearTimeout(timer));
  };

  const down = (): Dependency[] => (Object.keys(state) as Dependency[]).filter((d) => !state[d]);

  const probe = (): Promise<Dependency[]> => {
    running ??= (async () => {
      const [pg, rd] = await Promise.all([
        within(probeSql`select 1`),
        // a client that lost its connection is down now, whatever its queue would do later (a
        // client still making its first connection gets the probe's time to finish it)
        ['reconnecting', 'close', 'end'].includes(redis.status) ? Promise.resolve(false) : within(redis.ping()),
      ]);
      state.postgres = pg;
      state.redis = rd;
      return down();
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => void probe(), PROBE_INTERVAL_MS);
  timer.unref();

  return {
    down,
    check: probe,
    async close() {
      clearInterval(timer);
      await probeSql.end({ timeout: 1 }).catch(() => {});
    },
  };
}
