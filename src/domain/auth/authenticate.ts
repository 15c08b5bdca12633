/**
 * Turns a bearer token into a Principal. Beyond the signature it checks that the token's session
 * is live: for a user, the session not ended, the user active and still of the token's role; for
 * a terminal, not revoked (or re-issued). That answer is cached in-process for a few seconds, so
 * the check costs one primary-key read per session per TTL, not one per request.
 *
 * Ending a session must reach every node at once (API.md: REST refuses within 1 s), so the cache
 * is dropped through Redis Pub/Sub (session-changes.ts): the ending node calls `forget` and
 * publishes; each node's subscriber calls `forget` on arrival. A read that was in flight while
 * an invalidation arrived is not cached, so it cannot bring a stale "valid" back. If the
 * subscription breaks, the TTL bounds the delay, and every reconnect of it clears the cache.
 */
import type { Db } from '../../db/client.ts';
import { createCache } from '../common/index.ts';
import type { Principal } from './principal.ts';
import { TokenError, type TokenService, type VerifiedToken } from './tokens.ts';

export interface Authenticator {
  /** Throws TokenError. */
  authenticate(bearer: string | undefined): Promise<Principal>;
  /** As authenticate, with the token's expiry (sockets are closed when it comes). */
  authenticateToken(bearer: string | undefined): Promise<VerifiedToken>;
  /** Why the session has ended, read past the cache; undefined while it is live. */
  endedReason(p: Principal, sessionId: string): Promise<EndedReason | undefined>;
  /** Grows whenever cached answers are dropped: a caller that saw it move knows a session may have ended meanwhile. */
  epoch(): number;
  /** Forget cached answers about a principal (after its sessions changed); without an id, about everyone. */
  forget(kind?: Principal['kind'], id?: number): void;
}

/** The `session:ended` reasons a session check can find. */
export type EndedReason = 'logout' | 'deactivated' | 'role_changed' | 'password_changed' | 'revoked';

/** How long a "still valid" answer is trusted when no invalidation arrives. Default 5 s. */
const TTL_MS = 5000;

/** Verified tokens remembered (the signature of a given token string never changes). Default 10,000. */
const VERIFIED_MAX = 10_000;

export function createAuthenticator(sql: Db, tokens: TokenService, ttlMs = TTL_MS): Authenticator {
  const cache = createCache<string, boolean>({ max: 10_000, ttlMs });
  // token string → its verified content and expiry: spares the HMAC on every request of a session
  const verified = createCache<string, { v: VerifiedToken; expMs: number }>({ max: VERIFIED_MAX });
  /** Grows with every forget: a check that started before one does not cache its answer. */
  let epoch = 0;

  async function verify(bearer: string | undefined): Promise<VerifiedToken> {
    const hit = bearer ? verified.get(bearer) : undefined;
    if (hit) {
      if (hit.expMs > Date.now()) return hit.v;
      verified.delete(bearer!);
    }
    const v = await tokens.verify(bearer);
    if (bearer) verified.set(bearer, { v, expMs: v.expMs ?? Number.POSITIVE_INFINITY });
    return v;
  }

  async function stillValid(p: Principal, sessionId: string): Promise<boolean> {
    const key = `${p.kind}:${p.id}:${sessionId}:${p.role}:${p.pinSessionId ?? ''}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const started = epoch;
    let ok: boolean;
    if (p.kind === 'terminal') {
      // a PIN session also needs its session open and its cashier active (migration 0025)
      const rows = await sql`
        select 1 from terminals t
        where t.id = ${p.id} and t.shop_id = ${p.shopId} and t.revoked_at is null and t.token_id = ${sessionId}::uuid
          and (${p.pinSessionId ?? null}::uuid is null or exists (
            select 1 from terminal_sessions s join users u on u.shop_id = s.shop_id and u.id = s.user_id
            where s.id = ${p.pinSessionId ?? null}::uuid and s.shop_id = t.shop_id and s.terminal_id = t.id
              and s.user_id = ${p.cashierId ?? null} and s.ended_at is null and u.active and u.role = 'cashier'))`;
      ok = rows.length === 1;
    } else {
      const rows = await sql`
        select 1 from sessions s join users u on u.shop_id = s.shop_id and u.id = s.user_id
        where s.id = ${sessionId}::uuid and s.user_id = ${p.id} and s.shop_id = ${p.shopId} and s.ended_at is null
          and u.active and u.role = ${p.role}`;
      ok = rows.length === 1;
    }
    if (started === epoch) cache.set(key, ok);
    return ok;
  }

  async function authenticateToken(bearer: string | undefined): Promise<VerifiedToken> {
    const v = await verify(bearer);
    if (!(await stillValid(v.principal, v.sessionId))) throw new TokenError('session_ended');
    return v;
  }

  async function endedReason(p: Principal, sessionId: string): Promise<EndedReason | undefined> {
    if (p.kind === 'terminal') {
      const rows = await sql`
        select 1 from terminals where id = ${p.id} and shop_id = ${p.shopId} and revoked_at is null and token_id = ${sessionId}::uuid`;
      return rows.length === 1 ? undefined : 'revoked';
    }
    const [row] = await sql<{ end_reason: EndedReason | null; active: boolean; role: string }[]>`
      select s.end_reason, u.active, u.role from sessions s join users u on u.shop_id = s.shop_id and u.id = s.user_id
      where s.id = ${sessionId}::uuid and s.user_id = ${p.id} and s.shop_id = ${p.shopId}`;
    if (!row) return 'logout';
    if (row.end_reason) return row.end_reason;
    if (!row.active) return 'deactivated';
    return row.role === p.role ? undefined : 'role_changed';
  }

  return {
    authenticateToken,
    endedReason,
    epoch: () => epoch,
    async authenticate(bearer) {
      return (await authenticateToken(bearer)).principal;
    },
    forget(kind, id) {
      epoch++;
      if (kind === undefined || id === undefined) cache.clear();
      else for (const k of cache.keys()) if (k.startsWith(`${kind}:${id}:`)) cache.delete(k);
    },
  };
}
