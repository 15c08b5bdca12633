/**
 * A small forward-only migration runner (postgres-shift and ley keep no checksums, so we keep our own).
 * - Files: sql/migrations/NNNN_name.sql, applied in number order, each inside one transaction.
 * - Ledger: schema_migrations(version, name, checksum, applied_at); an applied file whose
 *   sha256 changed, or that disappeared, stops the run: landed migrations are append-only.
 * - Several processes may start at once: a transaction-scoped advisory lock serialises them and
 *   each re-reads the ledger under the lock, so a migration is applied once.
 * - The target database is created first if it does not exist.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createSql, databaseName, type Sql, withDatabase } from './client.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../sql/migrations/', import.meta.url));
const LOCK_KEY = 727_274_001; // arbitrary, fixed: "tajir migrations"

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new MigrationError(`migration file name "${file}" must look like 0001_name.sql`);
    const text = await readFile(`${dir}/${file}`, 'utf8');
    const version = Number(m[1]);
    if (out.some((x) => x.version === version)) throw new MigrationError(`two migrations numbered ${m[1]}`);
    out.push({ version, name: m[2] as string, sql: text, checksum: createHash('sha256').update(text).digest('hex') });
  }
  return out;
}

/** Creates the database named in `url` when it is missing (connecting to the "postgres" database). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const name = databaseName(url);
  const admin = createSql(withDatabase(url, 'postgres'), { max: 1, applicationName: 'tajir-migrate' });
  try {
    const rows = await admin`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    try {
      await admin`create database ${admin(name)}`;
    } catch (err) {
      // 42P04: another process created it between our check and our create.
      if ((err as { code?: string }).code !== '42P04') throw err;
    }
    return true;
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Applies every pending migration; returns the versions applied now. */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await readMigrations(dir);
  await sql`
    create table if not exists schema_migrations (
      version integer primary key,
      name text not null,
      checksum text not null,
      applied_at timestamptz not null default now()
    )`;
  const applied: number[] = [];
  for (const m of migrations) {
    await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${LOCK_KEY})`;
      const ledger = await tx<{ version: number; name: string; checksum: string }[]>`
        select version, name, checksum from schema_migrations order by version`;
      verifyLedger(ledger, migrations);
      if (ledger.some((row) => row.version === m.version)) return;
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations (version, name, checksum) values (${m.version}, ${m.name}, ${m.checksum})`;
      applied.push(m.version);
    });
  }
  return applied;
}

function verifyLedger(ledger: { version: number; name: string; checksum: string }[], files: Migration[]): void {
  for (const row of ledger) {
    const file = files.find((f) => f.version === row.version);
    const label = `${String(row.version).padStart(4, '0')}_${row.name}.sql`;
    if (!file) throw new MigrationError(`applied migration ${label} is missing from sql/migrations`);
    if (file.checksum !== row.checksum) {
      throw new MigrationError(
        `applied migration ${label} was edited after it ran (checksum differs); add a new migration instead`,
      );
    }
  }
}
