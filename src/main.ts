/**
 * Entry point: reads config, checks prerequisites, migrates, starts the roles asked for
 * (src/node.ts), wires SIGTERM/SIGINT. Only wiring lives here.
 */
import { closeCore, createCore } from './deps.ts';
import { ConfigError, loadConfig } from './config.ts';
import { createSql } from './db/client.ts';
import { ensureDatabase, MigrationError, migrate } from './db/migrate.ts';
import { DEMO_LOGIN, demoTerminalToken, ensureDemoShop } from './domain/seed/index.ts';
import { createLogger } from './log.ts';
import { checkPostgres, checkRedis, PreflightError } from './preflight.ts';
import { startNode } from './node.ts';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel);
  if (config.jwtSecretIsDefault) {
    log.warn('JWT_SECRET is not set: using the development secret. Set JWT_SECRET (32+ characters) in production.');
  }
  await checkPostgres(config.databaseListenUrl);
  await checkRedis(config);

  // the direct connection: creating a database is not possible through a pooler
  await ensureDatabase(config.databaseListenUrl);
  const migrator = createSql(config.databaseListenUrl, { max: 1, applicationName: 'tajir-migrate' });
  try {
    const applied = await migrate(migrator);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } finally {
    await migrator.end({ timeout: 5 });
  }

  const deps = createCore(config, log);
  const created = config.seedDemo ? await ensureDemoShop(deps.sql) : false;
  const { roles } = config;
  const node = await startNode(deps, { roles, port: config.port, host: config.host });
  const { port } = node;

  if (port !== undefined) {
    const url = `http://localhost:${port}/`;
    const terminalToken = config.seedDemo ? await demoTerminalToken(deps.sql, deps.tokens) : undefined;
    process.stdout.write(
      `\nTajir POS is running (roles: ${[...roles].join(', ')})\n` +
        `  Dashboard: ${url}\n  API:       ${url}openapi.json   Ready: ${url}readyz\n` +
        `  Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}${created ? ' (demo shop created now)' : ''}\n` +
        (terminalToken ? `  Terminal:  ${url}terminal  (paste this demo terminal token: ${terminalToken})\n` : '') +
        '\n',
    );
  } else {
    process.stdout.write(`\nTajir POS is running (roles: ${[...roles].join(', ')}; no HTTP port)\n\n`);
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
    await node.stop(SHUTDOWN_DEADLINE_MS - 3000);
    await closeCore(deps);
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
