/** What the REST layer needs, built once by main.ts (or a test) and passed to buildApi. */
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { ChangeNotifier } from '../domain/common/notifier.ts';
import type { MailJobs } from '../domain/mail/jobs.ts';
import type { ReportJobs } from '../domain/reports/service.ts';
import type { Authenticator } from '../domain/auth/authenticate.ts';
import type { SessionChanges } from '../domain/auth/session-changes.ts';
import type { TokenService } from '../domain/auth/tokens.ts';
import type { Logger } from '../log.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
import type { ClientAddress } from './client-address.ts';
import type { DependencyHealth } from './dependency-health.ts';
import type { HttpMetrics } from './metrics.ts';
import type { RateLimits } from './rate-limits.ts';

export interface AppDeps {
  config: Readonly<Config>;
  sql: Sql;
  /** ioredis with the project's Lua scripts registered */
  redis: ScriptedRedis;
  keys: Keys;
  log: Logger;
  tokens: TokenService;
  auth: Authenticator;
  /** Drops every node's cached answers about a principal whose sessions ended. */
  sessionChanges: SessionChanges;
  limits: RateLimits;
  /** The client's address from the peer and X-Forwarded-For (believed only from TRUST_PROXY). */
  clientAddress: ClientAddress;
  metrics: HttpMetrics;
  /** Pushes price and settings changes to connected clients; a no-op until realtime is wired. */
  notifier: ChangeNotifier;
  /** Queues report jobs for the worker role. */
  jobs: ReportJobs;
  /** Queues mail jobs (recipient confirmations) for the worker role. */
  mailJobs: MailJobs;
  /** Whether PostgreSQL and Redis answer right now (background probes). */
  health: DependencyHealth;
}
