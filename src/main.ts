/**
 * Entry point: reads config, checks prerequisites, migrates, starts the roles asked for
 * (src/node.ts), wires SIGTERM/SIGINT. Only wiring lives here.
 *
 * The service itself (deps.ts, node.ts, the demo seed) is imported only after the arguments and
 * the prerequisites are checked: `--help`, a bad option, a bad setting or a server that does not
 * answer are told at once, without loading a second of modules first.
 */
import { ConfigError, loadConfig } from './config.ts';
import { createSql } from './db/client.ts';
import { ensureDatabase, MigrationError, migrate } from './db/migrate.ts';
import { checkPostgres, checkRedis, PreflightError } from './preflight.ts';
import { parseCommand } from './cli/args.ts';

const SHUTDOWN_DEADLINE_MS = 10_000;

const COMMAND = {
  name: 'start',
  usage: `
usage: npm start [-- --help]

Runs the service: checks that PostgreSQL and Redis answer, creates the database and applies the
migrations if needed, creates the demo shop on an empty database (SEED_DEMO), then starts the
roles ROLES names (api, realtime, aggregator, worker; all by default) and serves REST and
Socket.IO on HOST:PORT. SIGTERM or SIGINT stops it gracefully.

It takes no options: it is configured from the environment (README, "Configuration"), e.g.
  DATABASE_URL, REDIS_URL, REDIS_PREFIX, PORT, HOST, JWT_SECRET, ROLES, LOG_LEVEL

exit status: 0 stopped by a signal; 1 failed; 2 bad usage, a bad configuration value, or
PostgreSQL or Redis not answering`,
};

async function main(): Promise<void> {
  parseCommand(COMMAND, {});
  const config = loadConfig();
  await checkPostgres(config.databaseListenUrl);
  await checkRedis(config);
  const [{ closeCore, createCore }, { demoLogin, demoTerminalToken, ensureDemoShop }, { createLogger }, { startNode }] = await Promise.all([
    import('./deps.ts'),
    import('./domain/seed/index.ts'),
    import('./log.ts'),
    import('./node.ts'),
  ]);
  const log = createLogger(config.logLevel);

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
    const demo = config.seedDemo ? await demoLogin(deps.sql) : undefined;
    process.stdout.write(
      `\nTajir POS is running (roles: ${[...roles].join(', ')})\n` +
        `  Dashboard: ${url}\n  API:       ${url}openapi.json   Ready: ${url}readyz\n` +
        (demo ? `  Demo login: ${demo.email} / ${demo.password}${created ? ' (demo shop created now)' : ''}\n` : '') +
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
