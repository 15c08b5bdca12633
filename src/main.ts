/**
 * Entry point: reads config, checks prerequisites, migrates, starts the roles asked for, wires
 * SIGTERM/SIGINT. Only wiring lives here.
 */
import { closeDeps, createDeps } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createSql } from './db/client.ts';
import { ensureDatabase, migrate, MigrationError } from './db/migrate.ts';
import { DEMO_LOGIN, ensureDemoShop } from './domain/shops/demo.ts';
import { createLogger } from './log.ts';
import { checkPostgres, checkRedis, PreflightError } from './preflight.ts';
import { buildApi } from './rest/api.ts';
import { createAggregator } from './workers/aggregator.ts';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (config.jwtSecretIsDefault) {
    log.warn('JWT_SECRET is not set: using the development secret. Set JWT_SECRET (32+ characters) in production.');
  }
  await checkPostgres(config.databaseUrl);
  await checkRedis(config.redisUrl);

  await ensureDatabase(config.databaseUrl);
  const migrator = createSql(config.databaseUrl, { max: 1, applicationName: 'tajir-migrate' });
  try {
    const applied = await migrate(migrator);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } finally {
    await migrator.end({ timeout: 5 });
  }

  const deps = createDeps(config, log);
  const created = config.seedDemo ? await ensureDemoShop(deps.sql) : false;

  // The aggregator gets a small pool of its own so catch-ups never queue behind API requests.
  const aggregatorSql = config.roles.has('aggregator') ? createSql(config.databaseUrl, { max: 4, applicationName: 'tajir-aggregator' }) : undefined;
  const aggregator = aggregatorSql
    ? createAggregator({ databaseUrl: config.databaseUrl, sql: aggregatorSql, redis: deps.redis, keys: deps.keys, log, sweepMs: config.sweepMs })
    : undefined;
  await aggregator?.start();
  if (aggregator) deps.poker.onLocal((shopId) => aggregator.wake(shopId));

  const api = config.roles.has('api') ? buildApi(deps) : undefined;
  const port = api ? await api.listen(config.port, config.host) : undefined;

  if (api) {
    const url = `http://localhost:${port}/`;
    process.stdout.write(
      `\nTajir POS is running (roles: ${[...config.roles].join(', ')})\n` +
        `  Dashboard: ${url}\n  API:       ${url}openapi.json   Ready: ${url}readyz\n` +
        `  Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}${created ? ' (demo shop created now)' : ''}\n\n`,
    );
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    await api?.close(SHUTDOWN_DEADLINE_MS - 2000);
    await deps.poker.flush();
    await aggregator?.stop();
    await aggregatorSql?.end({ timeout: 2 });
    await closeDeps(deps);
    clearTimeout(deadline);
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError || err instanceof PreflightError || err instanceof MigrationError) {
    process.stderr.write(`tajir: ${err.message}\n`);
    process.exit(2);
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`tajir: could not start: ${message}\n`);
  process.exit(1);
});
