/** `npm run migrate`: creates the database if needed and applies pending migrations. */
import { ConfigError, loadConfig } from '../config.ts';
import { createSql } from '../db/client.ts';
import { ensureDatabase, MigrationError, migrate } from '../db/migrate.ts';
import { checkPostgres, PreflightError } from '../preflight.ts';
import { parseCommand } from './args.ts';

const COMMAND = {
  name: 'migrate',
  usage: `
usage: npm run migrate [-- --help]

Creates the database DATABASE_URL names when it does not exist, then applies the migrations of
sql/migrations that have not run yet, in order, each in its own transaction. A migration file
edited after it ran is refused (its checksum is recorded).

environment:
  DATABASE_URL   postgres://127.0.0.1:5432/tajir by default

exit status: 0 applied (or nothing to apply); 1 a migration failed; 2 bad usage, a bad
configuration value, PostgreSQL not answering or an edited migration`,
};

parseCommand(COMMAND, {});

try {
  const config = loadConfig();
  await checkPostgres(config.databaseListenUrl);
  const created = await ensureDatabase(config.databaseListenUrl);
  const sql = createSql(config.databaseListenUrl, { max: 1, applicationName: 'tajir-migrate' });
  try {
    const applied = await migrate(sql);
    process.stdout.write(
      `${created ? 'database created; ' : ''}${applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply'}\n`,
    );
  } finally {
    await sql.end({ timeout: 5 });
  }
} catch (err) {
  const known = err instanceof ConfigError || err instanceof PreflightError || err instanceof MigrationError;
  process.stderr.write(`tajir migrate: ${known ? (err as Error).message : `failed: ${(err as Error).message}`}\n`);
  process.exit(known ? 2 : 1);
}
