/**
 * Wiring shared by main.ts, the CLIs and the tests: builds the clients and services a process
 * needs from a Config, and closes them again.
 */
import type { Config } from './config.ts';
import { createSql } from './db/client.ts';
import { createAuthenticator } from './domain/auth/authenticate.ts';
import { storedSecret } from './domain/auth/secrets.ts';
import { watchSessionChanges } from './domain/auth/session-changes.ts';
import { createTokenService } from './domain/auth/tokens.ts';
import { noopNotifier } from './domain/common/notifier.ts';
import { createLogger, type Logger } from './log.ts';
import { createRedis } from './redis/client.ts';
import { createKeys } from './redis/keys.ts';
import { withScripts } from './redis/scripts.ts';
import type { AppDeps } from './rest/deps.ts';
import { createClientAddress } from './rest/client-address.ts';
import { createDependencyHealth } from './rest/dependency-health.ts';
import { createMetrics } from './rest/metrics.ts';
import { createRateLimits } from './rest/rate-limits.ts';

export function createDeps(config: Readonly<Config>, log: Logger = createLogger(config.logLevel)): AppDeps {
  const sql = createSql(config.databaseUrl, { max: config.dbPoolSize });
  // Requests read and write through this client: a command Redis does not answer within 1 s fails
  // (a limit then fails open or closed, a read answers 503) instead of waiting for its return.
  const redis = withScripts(createRedis(config.redisUrl, { name: 'tajir-main', commandTimeoutMs: 1000 }));
  const keys = createKeys(config.redisPrefix);
  // No key in the source: JWT_SECRET, else the install's random one kept in PostgreSQL (read on first use)
  const tokens = createTokenService(
    { secret: config.jwtSecret ?? (() => storedSecret(sql, 'jwt')), previous: config.jwtSecretPrevious },
    config.userTokenTtlSeconds,
  );
  const metrics = createMetrics();
  const auth = createAuthenticator(sql, tokens);
  return {
    config,
    sql,
    redis,
    keys,
    log,
    tokens,
    auth,
    sessionChanges: watchSessionChanges(config.redisUrl, redis, keys.sessionChanges(), auth, log),
    limits: createRateLimits(redis, keys, config, metrics),
    clientAddress: createClientAddress(config.trustProxy),
    metrics,
    health: createDependencyHealth(createSql(config.databaseUrl, { max: 1, applicationName: 'tajir-probe' }), redis),
    notifier: noopNotifier,
    // replaced by startNode with the BullMQ queue; until then a report request is refused
    jobs: { enqueueReport: async () => Promise.reject(new Error('the report queue is not started')) },
    mailJobs: { enqueueConfirmation: async () => Promise.reject(new Error('the mail queue is not started')) },
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  deps.sessionChanges.close();
  await deps.health.close();
  await Promise.allSettled([deps.sql.end({ timeout: 5 }), deps.redis.quit().catch(() => deps.redis.disconnect())]);
}
