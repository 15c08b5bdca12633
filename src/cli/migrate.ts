/** `npm run migrate`: creates the database if needed and applies pending migrations. */
import { ConfigError, loadConfig } from '../config.ts';
import { createSql } from '../db/client.ts';
import { ensureDatabase, MigrationError, migrate } from '../db/migrate.ts';
import { checkPostgres, PreflightError } from '../preflight.ts';

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
