/**
 * The postgres.js client. One pool per process; domain functions take `sql` (or a transaction)
 * as their first argument so they work inside `sql.begin(...)`.
 */
import postgres from 'postgres';

export type Sql = postgres.Sql<Record<string, unknown>>;
/** A pool or a transaction: anything domain functions can query through. */
export type Db = Sql | postgres.TransactionSql<Record<string, unknown>>;

export interface DbOptions {
  /** Pool size. Default 10. */
  max?: number;
  /** Name shown in pg_stat_activity. Default "tajir". */
  applicationName?: string;
}

/**
 * bigint (ids, money in fils, counters) is parsed to a JS number: every value we store is far
 * below 2^53 (1e15 fils is ten trillion dirhams). `date` stays a 'YYYY-MM-DD' string, because a
 * JS Date would shift it across the shop's time zone. numeric (percentages, multipliers) → number.
 */
export function createSql(url: string, options: DbOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    idle_timeout: 30,
    connect_timeout: 5,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'tajir' },
    types: {
      bigint: {
        to: 20,
        from: [20],
        serialize: (x: number) => String(x),
        parse: (x: string) => Number(x),
      },
      numeric: {
        to: 1700,
        from: [1700],
        serialize: (x: number) => String(x),
        parse: (x: string) => Number(x),
      },
      date: {
        to: 1082,
        from: [1082],
        serialize: (x: string) => x,
        parse: (x: string) => x,
      },
    },
  }) as unknown as Sql;
}

/** The same server with another database name, e.g. the maintenance database "postgres". */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}
