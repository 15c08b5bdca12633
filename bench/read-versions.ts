/**
 * What a shop's first write costs a pooled connection that has served many shops (migration 0045).
 *
 *   node --import=tsx bench/read-versions.ts [--shops 10000] [--upto 45]
 *
 * A scratch database migrated up to --upto (44: the read versions of 0042, deduplicated by a
 * transaction-local setting named after each shop; 45: by the row's bumped_by), --shops shops,
 * then ONE connection inserts one customer into each shop in turn, a transaction each, as a pooled
 * connection of a hosted service does over its life. Prints the time per insert for each tenth of
 * the shops: flat is what a service with many tenants needs.
 */
import { mkdtemp, readdir, copyFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createSql, withDatabase } from '../src/db/client.ts';
import { ensureDatabase, MIGRATIONS_DIR, migrate } from '../src/db/migrate.ts';
import { dropDatabase } from '../test/support/env.ts';
import { run } from './support.ts';

const { values } = parseArgs({ options: { shops: { type: 'string', default: '10000' }, upto: { type: 'string', default: '45' } } });
const SHOPS = Number(values.shops);
const UPTO = Number(values.upto);

run(async () => {
  const base = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';
  const url = withDatabase(base, `tajir_bench_rv_${process.pid}`);
  const dir = await mkdtemp(join(tmpdir(), 'tajir-rv-'));
  for (const f of await readdir(MIGRATIONS_DIR)) if (Number(f.slice(0, 4)) <= UPTO) await copyFile(join(MIGRATIONS_DIR, f), join(dir, f));
  await ensureDatabase(url);
  const sql = createSql(url, { max: 1, applicationName: 'tajir-bench' });
  try {
    await migrate(sql, dir);
    const shops = (
      await sql<{ id: number }[]>`
        insert into shops (name, shop_code) select 'Shop ' || g, 'RV' || g from generate_series(1, ${SHOPS}) g returning id`
    ).map((r) => r.id);
    console.log(`migrations up to ${String(UPTO).padStart(4, '0')}, ${SHOPS} shops, one connection, one customer per shop:`);
    const tenth = Math.ceil(SHOPS / 10);
    let started = performance.now();
    for (const [i, shop] of shops.entries()) {
      await sql`insert into customers (shop_id, name, phone) values (${shop}, 'First', '+971500000001')`;
      if ((i + 1) % tenth === 0 || i + 1 === SHOPS) {
        const now = performance.now();
        const n = (i % tenth) + 1;
        console.log(`  shops ${String(i + 2 - n).padStart(6)}–${String(i + 1).padEnd(6)} ${((now - started) / n).toFixed(3)} ms per insert`);
        started = now;
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
    await dropDatabase(url);
    await rm(dir, { recursive: true, force: true });
  }
});
