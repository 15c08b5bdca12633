/**
 * Idempotency-Key handling for POSTs that create money movements. A key belongs to the principal
 * that sent it (user or terminal, and its id): two terminals that send the same key make two
 * bills. The request's read statement brings the key's stored answer when there is one (a retry
 * costs that one round trip); otherwise the one writing statement (bill_write, payment_write:
 * migrations 0040, 0041) inserts the key row FIRST: a concurrent retry with the same key waits on
 * that insert until the first commits, then answers the stored response instead of doing the
 * work twice. A key reused for a different request is refused (422). Keys are kept 48 h (purged
 * by the worker's minute tick).
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';

/** Who a key belongs to. */
export type KeyOwner = Pick<Principal, 'kind' | 'id' | 'shopId'>;

/** How long a key is replayed; older keys are deleted. */
export const KEY_TTL_MS = 48 * 3_600_000;
/** Rows deleted per statement, and statements per purge, so one purge never holds the table long. */
const PURGE_CHUNK = 5000;
const PURGE_CHUNKS_PER_RUN = 20;

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: true;
}

export function requestHash(route: string, body: unknown): string {
  return createHash('sha256').update(route).update('\u0000').update(JSON.stringify(body ?? null)).digest('hex');
}

/** A key's stored row as the answer to replay; 422 when it was used for another request, 409 while in progress. */
export function replayOf(row: { status: number; response: unknown; request_hash: string }, hash: string): StoredResponse {
  if (row.request_hash !== hash) {
    throw ERRORS.businessRule('idempotency_key_reused', 'This Idempotency-Key was used for a different request');
  }
  if (row.status === 0) throw ERRORS.conflict('A request with this Idempotency-Key is still being processed');
  return { status: row.status, body: row.response, replayed: true };
}

/**
 * Deletes keys older than 48 h before `now`, in chunks of 5,000 rows (at most 20 chunks a run;
 * what is left goes on the next tick). Returns the number deleted.
 */
export async function purgeIdempotencyKeys(sql: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - KEY_TTL_MS);
  let deleted = 0;
  for (let i = 0; i < PURGE_CHUNKS_PER_RUN; i++) {
    const r = await sql`
      delete from idempotency_keys where ctid in (
        select ctid from idempotency_keys where created_at < ${before} limit ${PURGE_CHUNK})`;
    deleted += r.count;
    if (r.count < PURGE_CHUNK) break;
  }
  return deleted;
}
