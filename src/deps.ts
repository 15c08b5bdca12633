/**
 * The dependencies of a process, built once at start and frozen (STYLE.md §13).
 *
 *   createCore(config)  → CoreDeps: the clients and services every role and CLI shares
 *   startNode(core, …)  → AppDeps:  CoreDeps plus what only a running node has (the Socket.IO
 *                                   publisher as notifier, the BullMQ queue as jobs), frozen
 *                                   before any role starts
 *
 * Nothing is patched in after construction: a part that needs the notifier or the queue receives
 * an AppDeps, which cannot exist before both are built.
 */
import type { Config } from './config.ts';
import { createSql, type Sql } from './db/client.ts';
import { replicaLag } from './db/replica.ts';
import {
  createAuthenticator,
  createTokenService,
  storedSecret,
  watchSessionChanges,
  type Authenticator,
  type SessionChanges,
  type TokenService,
} from './domain/auth/index.ts';
import { systemClock, type ChangeNotifier, type Clock } from './domain/common/index.ts';
import { type BillInputsCache, createBillInputsCache } from './domain/billing/index.ts';
import type { MailJobs } from './domain/mail/index.ts';
import type { ReportJobs } from './domain/reports/index.ts';
import { createLogger, type Logger } from './log.ts';
import { createRedis } from './redis/client.ts';
import { createKeys, type Keys } from './redis/keys.ts';
import { type ScriptedRedis, withScripts } from './redis/scripts.ts';
import { type ClientAddress, createClientAddress } from './rest/client-address.ts';
import { createDependencyHealth, type DependencyHealth } from './rest/dependency-health.ts';
import { createMetrics, type HttpMetrics } from './rest/metrics.ts';
import { createRateLimits, type RateLimits } from './rest/rate-limits.ts';

/** What every role and command-line tool shares. */
export interface CoreDeps {
  readonly config: Readonly<Config>;
  readonly sql: Sql;
  /** ioredis with the project's Lua scripts registered */
  readonly redis: ScriptedRedis;
  readonly keys: Keys;
  readonly log: Logger;
  readonly tokens: TokenService;
  readonly auth: Authenticator;
  /** Drops every node's cached answers about a principal whose sessions ended (Redis Pub/Sub). */
  readonly sessionChanges: SessionChanges;
  readonly limits: RateLimits;
  /** What bills read again and again, kept by this node (billing/inputs-cache.ts); unset: BILL_INPUTS_CACHE off. */
  readonly billInputs?: BillInputsCache;
  /** The client's address from the peer and X-Forwarded-For (believed only from TRUST_PROXY). */
  readonly clientAddress: ClientAddress;
  readonly metrics: HttpMetrics;
  /** Whether PostgreSQL and Redis answer right now (background probes). */
  readonly health: DependencyHealth;
  /** The one source of "now" (common/clock.ts); tests pass their own. */
  readonly clock: Clock;
  /** A streaming replica for financial insights (REPORTS_DATABASE_URL); unset, the primary. */
  readonly replica?: Sql;
}

/** What the REST, realtime and worker roles of a running node receive (built by startNode). */
export interface AppDeps extends CoreDeps {
  /** Pushes price, settings and report changes to connected clients (the Socket.IO publisher). */
  readonly notifier: ChangeNotifier;
  /** Queues report jobs for the worker role (BullMQ). */
  readonly jobs: ReportJobs;
  /** Queues mail jobs (recipient confirmations) for the worker role (BullMQ). */
  readonly mailJobs: MailJobs;
}

export function createCore(config: Readonly<Config>, log: Logger = createLogger(config.logLevel), clock: Clock = systemClock): CoreDeps {
  const sql = createSql(config.databaseUrl, { max: config.dbPoolSize, transactionPooling: config.databaseTransactionPooling });
  // Requests read and write through this client: a command Redis does not answer within 1 s fails
  // (a limit then fails open or closed, a read answers 503) instead of waiting for its return.
  const redis = withScripts(createRedis(config, { name: 'tajir-main', commandTimeoutMs: 1000, batchWrites: true }));
  const keys = createKeys(config.redisPrefix);
  // No key in the source: JWT_SECRET, else the install's random one kept in PostgreSQL (read on first use)
  const tokens = createTokenService(
    { secret: config.jwtSecret ?? (() => storedSecret(sql, 'jwt')), previous: config.jwtSecretPrevious },
    config.userTokenTtlSeconds,
  );
  const metrics = createMetrics();
  const auth = createAuthenticator(sql, tokens);
  const health = createDependencyHealth(createSql(config.databaseUrl, { max: 1, applicationName: 'tajir-probe', transactionPooling: config.databaseTransactionPooling }), redis);
  metrics.watch({
    dependencies: () => {
      const down = health.down();
      return { postgres: !down.includes('postgres'), redis: !down.includes('redis') };
    },
  });
  // financial insights may read here (reports have a pool of their own, see node.ts)
  const replica = config.reportsDatabaseUrl ? createSql(config.reportsDatabaseUrl, { max: config.dbPoolSize, applicationName: 'tajir-insights' }) : undefined;
  if (replica) metrics.watchReplica(() => replicaLag(sql, replica));
  return Object.freeze({
    config,
    sql,
    ...(replica ? { replica } : {}),
    redis,
    keys,
    log,
    tokens,
    auth,
    sessionChanges: watchSessionChanges(config, redis, keys.sessionChanges(), auth, log),
    limits: createRateLimits(redis, keys, config, metrics),
    ...(config.billInputsCache ? { billInputs: createBillInputsCache() } : {}),
    clientAddress: createClientAddress(config.trustProxy),
    metrics,
    health,
    clock,
  });
}

export async function closeCore(core: CoreDeps): Promise<void> {
  core.sessionChanges.close();
  await core.health.close();
  await Promise.allSettled([core.sql.end({ timeout: 5 }), core.replica?.end({ timeout: 5 }), core.redis.quit().catch(() => core.redis.disconnect())]);
}
