/**
 * Idempotency-Key handling for POSTs that create money movements. A key belongs to the principal
 * that sent it (user or terminal, and its id): two terminals that send the same key make two
 * bills. The key row is inserted FIRST in the write transaction: a concurrent retry with the same
 * key blocks on that insert until the first commits, then fails with a unique violation and
 * replays the stored response instead of doing the work twice. A key reused for a different
 * request is refused (422). Keys are kept 48 h (purged by the worker's minute tick).
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

/** The stored response for this key, if the request was done already. */
export async function findReplay(sql: Db, owner: KeyOwner, key: string, hash: string): Promise<StoredResponse | undefined> {
  const [row] = await sql<{ status: number; response: unknown; request_hash: string }[]>`
    select status, response, request_hash from idempotency_keys
    where shop_id = ${owner.shopId} and principal_kind = ${owner.kind} and principal_id = ${owner.id} and key = ${key}`;
  if (!row) return undefined;
  if (row.request_hash !== hash) {
    throw ERRORS.businessRule('idempotency_key_reused', 'This Idempotency-Key was used for a different request');
  }
  if (row.status === 0) throw ERRORS.conflict('A request with this Idempotency-Key is still being processed');
  return { status: row.status, body: row.response, replayed: true };
}

/** Claims the key inside the transaction (status 0 = in progress). */
export async function claimKey(tx: Db, owner: KeyOwner, key: string, route: string, hash: string): Promise<void> {
  await tx`
    insert into idempotency_keys (shop_id, principal_kind, principal_id, key, route, request_hash, status, response)
    values (${owner.shopId}, ${owner.kind}, ${owner.id}, ${key}, ${route}, ${hash}, 0, '{}'::jsonb)`;
}

export async function storeResponse(tx: Db, owner: KeyOwner, key: string, status: number, body: unknown): Promise<void> {
  await tx`
    update idempotency_keys set status = ${status}, response = ${tx.json(body as never)}
    where shop_id = ${owner.shopId} and principal_kind = ${owner.kind} and principal_id = ${owner.id} and key = ${key}`;
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

export function isKeyClash(err: unknown): boolean {
  const e = err as { code?: string; constraint_name?: string };
  return e?.code === '23505' && e.constraint_name === 'idempotency_keys_pkey';
}

/**
 * Runs `work` exactly once per key: replays a stored response, or runs it and stores its result
 * in the same transaction. Without a key, just runs it.
 */
export async function once<T>(
  sql: { begin: <R>(fn: (tx: Db) => Promise<R>) => Promise<R> } & Db,
  owner: KeyOwner,
  key: string | undefined,
  route: string,
  body: unknown,
  status: number,
  work: (tx: Db) => Promise<T>,
): Promise<{ status: number; body: T; replayed: boolean }> {
  if (!key) return { status, body: await sql.begin((tx) => work(tx)), replayed: false };
  if (key.length > 200) throw ERRORS.validation([{ field: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
  const hash = requestHash(route, body);
  const prior = await findReplay(sql, owner, key, hash);
  if (prior) return { status: prior.status, body: prior.body as T, replayed: true };
  try {
    const result = await sql.begin(async (tx) => {
      await claimKey(tx, owner, key, route, hash);
      const r = await work(tx);
      await storeResponse(tx, owner, key, status, r);
      return r;
    });
    return { status, body: result, replayed: false };
  } catch (err) {
    if (!isKeyClash(err)) throw err;
    const replay = await findReplay(sql, owner, key, hash);
    if (!replay) throw err;
    return { status: replay.status, body: replay.body as T, replayed: true };
  }
}
