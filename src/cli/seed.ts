/**
 * `npm run seed -- [--shops N] [--customers N] [--products N] [--employees N] [--expenses N] [--bills N] [--seed N]`
 * Counts are per shop (except --shops). Creates the database and applies migrations first.
 */
import { ConfigError, loadConfig } from '../config.ts';
import { createSql } from '../db/client.ts';
import { ensureDatabase, MigrationError, migrate } from '../db/migrate.ts';
import { SEED_PASSWORD, seed } from '../domain/seed/index.ts';
import { checkPostgres, PreflightError } from '../preflight.ts';
import { parseCommand, wholeNumber } from './args.ts';
import { startProgress } from './progress.ts';

const COMMAND = {
  name: 'seed',
  usage: `
usage: npm run seed -- [--shops N] [--customers N] [--products N] [--employees N]
                       [--expenses N] [--bills N] [--seed N]

Adds realistic demo shops (tailors, laundries, salons, repair shops, cafés) to the database
DATABASE_URL names, bulk-loaded: each shop's owner, catalogue, customers, employees, a year of
expenses and bills. Creates the database and applies the migrations first. Prints each shop's
owner login (password ${SEED_PASSWORD}). Progress goes to stderr: a bar in a terminal, a line
every few seconds otherwise. The aggregator (or \`npm run aggregates -- rebuild\`) then builds
the dashboards' figures from the seeded bills.

options (counts are per shop):
  --shops N       shops to add (default 3)
  --customers N   customers (default 200)
  --products N    products (default 40)
  --employees N   employees (default 5)
  --expenses N    expenses over the last year (default 50)
  --bills N       bills over the last year (default 0)
  --seed N        random seed: the same seed gives the same data (default 42)
  -h, --help      this text

exit status: 0 seeded; 1 failed; 2 bad usage, a bad configuration value or PostgreSQL not answering`,
};

const { values } = parseCommand(COMMAND, {
  shops: { type: 'string' },
  customers: { type: 'string' },
  products: { type: 'string' },
  employees: { type: 'string' },
  expenses: { type: 'string' },
  bills: { type: 'string' },
  seed: { type: 'string' },
});
// bounds a demo needs, far below what would exhaust memory (rows are built per shop in memory)
const counts = {
  shops: wholeNumber(COMMAND, 'shops', values.shops, 3, { max: 10_000 }),
  customers: wholeNumber(COMMAND, 'customers', values.customers, 200, { max: 1_000_000 }),
  products: wholeNumber(COMMAND, 'products', values.products, 40, { max: 100_000 }),
  employees: wholeNumber(COMMAND, 'employees', values.employees, 5, { max: 10_000 }),
  expenses: wholeNumber(COMMAND, 'expenses', values.expenses, 50, { max: 1_000_000 }),
  bills: wholeNumber(COMMAND, 'bills', values.bills, 0, { max: 10_000_000 }),
  seed: wholeNumber(COMMAND, 'seed', values.seed, 42, { max: 2 ** 31 - 1 }),
};

async function main(): Promise<void> {
  const config = loadConfig();
  // the direct connection, as main.ts: a database cannot be created through a pooler
  await checkPostgres(config.databaseListenUrl);
  await ensureDatabase(config.databaseListenUrl);
  const sql = createSql(config.databaseUrl, { max: 6, applicationName: 'tajir-seed', transactionPooling: config.databaseTransactionPooling });
  try {
    await migrate(sql);
    const started = Date.now();
    // bills are most of the work when there are any; shops otherwise
    const byBills = counts.bills > 0;
    const progress = startProgress('seed', byBills ? counts.shops * counts.bills : counts.shops, { unit: byBills ? 'bills' : 'shops' });
    let shops: Awaited<ReturnType<typeof seed>>;
    try {
      shops = await seed(sql, {
        ...counts,
        log: (line) => progress.line(line),
        progress: (p) => progress.update(byBills ? p.billsDone : p.shopsDone),
      });
    } finally {
      progress.stop();
    }
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
