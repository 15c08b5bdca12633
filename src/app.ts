/**
 * Wiring shared by main.ts, the CLIs and the tests: builds the clients and services a process
 * needs from a Config, and closes them again.
 */
import type { Config } from './config.ts';
import { createSql } from './db/client.ts';
import { replicaLag } from './db/replica.ts';
import { createAuthenticator } from './domain/auth/authenticate.ts';
import { createTokenService } from './domain/auth/tokens.ts';
import { noopNotifier } from './domain/common/notifier.ts';
import { createLogger, type Logger } from './log.ts';
import { createRedis } from './redis/client.ts';
import { createKeys } from './redis/keys.ts';
import { withScripts } from './redis/scripts.ts';
import type { AppDeps } from './rest/deps.ts';
import { createDependencyHealth } from './rest/dependency-health.ts';
import { createMetrics } from './rest/metrics.ts';
import { createRateLimits } from './rest/rate-limits.ts';

export function createDeps(config: Readonly<Config>, log: Logger = createLogger(config.logLevel)): AppDeps {
  const sql = createSql(config.databaseUrl, { max: config.dbPoolSize, transactionPooling: config.databaseTransactionPooling });
  // Requests read and write through this client: a command Redis does not answer within 1 s fails
  // (a limit then fails open or closed, a read answers 503) instead of waiting for its return.
  const redis = withScripts(createRedis(config, { name: 'tajir-main', commandTimeoutMs: 1000 }));
  const keys = createKeys(config.redisPrefix);
  const tokens = createTokenService(config.jwtSecret, config.userTokenTtlSeconds);
  const metrics = createMetrics();
  // financial insights may read here (reports have a pool of their own, see node.ts)
  const replica = config.reportsDatabaseUrl ? createSql(config.reportsDatabaseUrl, { max: config.dbPoolSize, applicationName: 'tajir-insights' }) : undefined;
  if (replica) metrics.watchReplica(() => replicaLag(sql, replica));
  return {
    config,
    sql,
    ...(replica ? { replica } : {}),
    redis,
    keys,
    log,
    tokens,
    auth: createAuthenticator(sql, tokens),
    limits: createRateLimits(redis, keys, config, metrics),
    metrics,
    health: createDependencyHealth(createSql(config.databaseUrl, { max: 1, applicationName: 'tajir-probe', transactionPooling: config.databaseTransactionPooling }), redis),
    notifier: noopNotifier,
    // replaced by startNode with the BullMQ queue; until then a report request is refused
    jobs: { enqueueReport: async () => Promise.reject(new Error('the report queue is not started')) },
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await deps.health.close();
  await Promise.allSettled([deps.sql.end({ timeout: 5 }), deps.replica?.end({ timeout: 5 }), deps.redis.quit().catch(() => deps.redis.disconnect())]);
}
