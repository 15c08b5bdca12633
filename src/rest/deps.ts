/** What the REST layer needs, built once by main.ts (or a test) and passed to buildApi. */
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { ChangeNotifier } from '../domain/common/notifier.ts';
import type { ReportJobs } from '../domain/reports/service.ts';
import type { Authenticator } from '../domain/auth/authenticate.ts';
import type { TokenService } from '../domain/auth/tokens.ts';
import type { Logger } from '../log.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { DependencyHealth } from './dependency-health.ts';
import type { HttpMetrics } from './metrics.ts';
import type { RateLimits } from './rate-limits.ts';

export interface AppDeps {
  config: Readonly<Config>;
  sql: Sql;
  /** A streaming replica for financial insights (REPORTS_DATABASE_URL); unset, the primary. */
  replica?: Sql;
  /** ioredis with the project's Lua scripts registered */
  redis: ScriptedRedis;
  keys: Keys;
  log: Logger;
  tokens: TokenService;
  auth: Authenticator;
  limits: RateLimits;
  metrics: HttpMetrics;
  /** Pushes price and settings changes to connected clients; a no-op until realtime is wired. */
  notifier: ChangeNotifier;
  /** Queues report jobs for the worker role. */
  jobs: ReportJobs;
  /** Whether PostgreSQL and Redis answer right now (background probes). */
  health: DependencyHealth;
}
