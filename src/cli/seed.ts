/**
 * `npm run seed -- --shops N --customers N --bills N [--products N] [--employees N] [--expenses N]`
 * Counts are per shop (except --shops). Creates the database and applies migrations first.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config.ts';
import { createSql } from '../db/client.ts';
import { ensureDatabase, MigrationError, migrate } from '../db/migrate.ts';
import { SEED_PASSWORD, seed } from '../domain/seed/index.ts';
import { checkPostgres, PreflightError } from '../preflight.ts';

const count = (v: string | undefined, name: string, def: number) => {
  if (v === undefined) return def;
  if (!/^\d+$/.test(v)) throw new ConfigError(`--${name}`, `expected a whole number, got "${v}"`);
  return Number(v);
};

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      shops: { type: 'string' },
      customers: { type: 'string' },
      products: { type: 'string' },
      employees: { type: 'string' },
      expenses: { type: 'string' },
      bills: { type: 'string' },
      seed: { type: 'string' },
    },
  });
  const config = loadConfig();
  // the direct connection, as main.ts: a database cannot be created through a pooler
  await checkPostgres(config.databaseListenUrl);
  await ensureDatabase(config.databaseListenUrl);
  const sql = createSql(config.databaseUrl, { max: 6, applicationName: 'tajir-seed', transactionPooling: config.databaseTransactionPooling });
  try {
    await migrate(sql);
    const started = Date.now();
    const shops = await seed(sql, {
      shops: count(values.shops, 'shops', 3),
      customers: count(values.customers, 'customers', 200),
      products: count(values.products, 'products', 40),
      employees: count(values.employees, 'employees', 5),
      expenses: count(values.expenses, 'expenses', 50),
      bills: count(values.bills, 'bills', 0),
      seed: count(values.seed, 'seed', 42),
      log: (line) => process.stdout.write(`${line}\n`),
    });
    process.stdout.write(`\nseeded ${shops.length} shop(s) in ${((Date.now() - started) / 1000).toFixed(1)} s; log in with (password ${SEED_PASSWORD}):\n`);
    for (const s of shops) process.stdout.write(`  ${s.login}  ${s.name} (${s.kind})\n`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

main().catch((err: unknown) => {
  const known = err instanceof ConfigError || err instanceof PreflightError || err instanceof MigrationError;
  process.stderr.write(`tajir seed: ${known ? (err as Error).message : `failed: ${(err as Error).message}`}\n`);
  process.exit(known ? 2 : 1);
});
