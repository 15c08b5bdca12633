/**
 * Wiring shared by main.ts, the CLIs and the tests: builds the clients and services a process
 * needs from a Config, and closes them again.
 */
import type { Config } from './config.ts';
import { createSql } from './db/client.ts';
import { createAuthenticator } from './domain/auth/authenticate.ts';
import { createTokenService } from './domain/auth/tokens.ts';
import { noopNotifier } from './domain/common/notifier.ts';
import { createLogger, type Logger } from './log.ts';
import { createRedis } from './redis/client.ts';
import { createKeys } from './redis/keys.ts';
import { withScripts } from './redis/scripts.ts';
import type { AppDeps } from './rest/deps.ts';
import { createMetrics } from './rest/metrics.ts';
import { createRateLimits } from './rest/rate-limits.ts';

export function createDeps(config: Readonly<Config>, log: Logger = createLogger(config.logLevel)): AppDeps {
  const sql = createSql(config.databaseUrl, { max: config.dbPoolSize });
  const redis = withScripts(createRedis(config.redisUrl, { name: 'tajir-main' }));
  const keys = createKeys(config.redisPrefix);
  const tokens = createTokenService(config.jwtSecret, config.userTokenTtlSeconds);
  return {
    config,
    sql,
    redis,
    keys,
    log,
    tokens,
    auth: createAuthenticator(sql, tokens),
    limits: createRateLimits(redis, keys, config),
    metrics: createMetrics(),
    notifier: noopNotifier,
    // replaced by startNode with the BullMQ queue; until then a report request is refused
    jobs: { enqueueReport: async () => Promise.reject(new Error('the report queue is not started')) },
  };
}

export async function closeDeps(deps: AppDeps): Promise<void> {
  await Promise.allSettled([deps.sql.end({ timeout: 5 }), deps.redis.quit().catch(() => deps.redis.disconnect())]);
}
