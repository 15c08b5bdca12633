/**
 * The postgres.js client. One pool per process; domain functions take `sql` (or a transaction)
 * as their first argument so they work inside `sql.begin(...)`.
 *
 * postgres.js 3.4.9 (the newest release) is patched at install (patches/postgres+3.4.9.patch,
 * applied by patch-package from the root package's `postinstall`): when a backend is terminated,
 * a write queued on that connection could run after `closed()` had nulled its socket and crash
 * the process from a timer, out of reach of any catch (TypeError: Cannot read properties of null
 * (reading 'write') at nextWrite). The patch settles the pending queries with CONNECTION_CLOSED
 * instead, as the unmerged upstream fix does (https://github.com/porsager/postgres/issues/1154,
 * https://github.com/porsager/postgres/issues/1208, https://github.com/porsager/postgres/pull/1209,
 * also #1168). Second, a backend terminated while a new connection fetched its array types
 * rejected a promise postgres.js drops: an unhandled rejection, which also exits the process
 * (https://github.com/porsager/postgres/issues/1192, #1205, #1223; no fix merged); the patch
 * catches it and fetches the types again on the next connect. Third, `connect_timeout` was one
 * timer, which also fired when this process had stalled (a long GC on a loaded machine) while the
 * server's answer waited unread in the socket: the query that opened the connection failed with
 * CONNECT_TIMEOUT (a 503 to a burst of bills, though PostgreSQL was fine). The patch counts the
 * deadline in steps of 250 ms, a late step counting as one, so after a stall the socket is read
 * before the connect is given up. Drop the patch once a release carries these fixes. Regression
 * tests: test/faults-postgres.test.ts.
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
  /**
   * The URL is a transaction-pooling PgBouncer (DATABASE_TRANSACTION_POOLING): each transaction
   * may run on another server connection, so named prepared statements (postgres.js prepares
   * every query by default) would be missing there; queries go unnamed instead. Default false.
   */
  transactionPooling?: boolean;
  /** Called with every statement's text as it is sent (postgres.js's debug hook): tests count round trips with it. */
  debug?: (query: string) => void;
}

/**
 * bigint (ids, money in fils, counters) is parsed to a JS number: every value we store is far
 * below 2^53 (1e15 fils is ten trillion dirhams). `date` stays a 'YYYY-MM-DD' string, because a
 * JS Date would shift it across the shop's time zone. numeric (percentages, multipliers) → number.
 */
export function createSql(url: string, options: DbOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    prepare: !options.transactionPooling,
    idle_timeout: 30,
    // An unreachable server must cost a request seconds, not minutes (issue 13): connects give up
    // after 2 s, and a dropped connection is reopened within half a second of the server's return
    // (the default backoff grows to 20 s after a few failures).
    connect_timeout: 2,
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 0.5),
    onnotice: () => {},
    ...(options.debug ? { debug: (_connection: number, query: string) => options.debug!(query) } : {}),
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
