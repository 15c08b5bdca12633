/**
 * Reads that may go to a streaming replica (REPORTS_DATABASE_URL): reports and financial insights.
 *
 * Replication is asynchronous, so a replica may not yet show a bill the counter just committed.
 * A shop owner who asks for "today's invoices" expects the bill they just rang up in it, so a
 * read here never sees less than the primary did when it began: it takes the primary's current
 * WAL position (at or after the commit of everything acknowledged before, the request included)
 * and uses the replica only once the replica has replayed past it, polling for at most `waitMs`.
 * Past that, or when the replica does not answer, it reads the primary, and says so: the caller
 * records which one it used (a report's `read_from`).
 */
import type { Sql } from './client.ts';

export type ReadSource = 'primary' | 'replica';

export interface ReadTarget {
  sql: Sql;
  from: ReadSource;
}

const POLL_MS = 50;

/** Primary's WAL position now. Through PgBouncer too: one statement, no session state. */
async function primaryLsn(primary: Sql): Promise<string> {
  const [r] = await primary<{ lsn: string }[]>`select pg_current_wal_lsn()::text as lsn`;
  return r!.lsn;
}

/** True once the replica replayed up to `lsn` (false on a primary: it replays nothing). */
async function replayedPast(replica: Sql, lsn: string): Promise<boolean> {
  const [r] = await replica<{ ok: boolean | null }[]>`select pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn as ok`;
  return r?.ok === true;
}

/** Where to read so that everything committed before now is seen. */
export async function readAfterCommits(primary: Sql, replica: Sql | undefined, waitMs: number): Promise<ReadTarget> {
  if (!replica) return { sql: primary, from: 'primary' };
  const lsn = await primaryLsn(primary);
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      if (await replayedPast(replica, lsn)) return { sql: replica, from: 'replica' };
    } catch {
      // the replica is down or restarting: the primary answers instead
      return { sql: primary, from: 'primary' };
    }
    if (Date.now() + POLL_MS > deadline) return { sql: primary, from: 'primary' };
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * The replica's lag: bytes of WAL the primary wrote that the replica has not replayed, and the
 * age of the last transaction it replayed when it is behind (0 when it has replayed everything,
 * which on an idle primary the replay timestamp alone would show as growing lag).
 */
export async function replicaLag(primary: Sql, replica: Sql): Promise<{ bytes: number; seconds: number }> {
  const lsn = await primaryLsn(primary);
  const [r] = await replica<{ bytes: string | null; seconds: number | null }[]>`
    select pg_wal_lsn_diff(${lsn}::pg_lsn, pg_last_wal_replay_lsn())::text as bytes,
      extract(epoch from now() - pg_last_xact_replay_timestamp())::float8 as seconds`;
  const bytes = Math.max(0, Number(r?.bytes ?? 0));
  return { bytes, seconds: bytes === 0 ? 0 : Math.max(0, r?.seconds ?? 0) };
}
