/**
 * Turns a bearer token into a Principal. Beyond the signature it checks that the user is still
 * active and the terminal not revoked (or re-issued); that answer is cached in-process for a few
 * seconds so the check costs one primary-key read per principal per TTL, not one per request.
 */
import type { Db } from '../../db/client.ts';
import { createCache } from '../common/index.ts';
import type { Principal } from './principal.ts';
import { TokenError, type TokenService, type VerifiedToken } from './tokens.ts';

export interface Authenticator {
  /** Throws TokenError. */
  authenticate(bearer: string | undefined): Promise<Principal>;
  /** Forget cached state of a principal (after revoke or deactivate). */
  forget(kind: Principal['kind'], id: number): void;
}

/** How long a "still valid" answer is trusted. Default 5 s. */
const TTL_MS = 5000;

/** Verified tokens remembered (the signature of a given token string never changes). Default 10,000. */
const VERIFIED_MAX = 10_000;

export function createAuthenticator(sql: Db, tokens: TokenService, ttlMs = TTL_MS): Authenticator {
  const cache = createCache<string, boolean>({ max: 10_000, ttlMs });
  // token string → its verified content and expiry: spares the HMAC on every request of a session
  const verified = createCache<string, { v: VerifiedToken; expMs: number }>({ max: VERIFIED_MAX });

  async function verify(bearer: string | undefined): Promise<VerifiedToken> {
    const hit = bearer ? verified.get(bearer) : undefined;
    if (hit && hit.expMs > Date.now()) return hit.v;
    const v = await tokens.verify(bearer);
    if (bearer) verified.set(bearer, { v, expMs: v.expMs ?? Number.POSITIVE_INFINITY });
    return v;
  }

  async function stillValid(p: Principal, tokenId: string | undefined): Promise<boolean> {
    const key = `${p.kind}:${p.id}:${tokenId ?? ''}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    let ok: boolean;
    if (p.kind === 'terminal') {
      const rows = await sql`
        select 1 from terminals
        where id = ${p.id} and shop_id = ${p.shopId} and revoked_at is null and token_id = ${tokenId ?? null}::uuid`;
      ok = rows.length === 1;
    } else {
      const rows = await sql`
        select 1 from users where id = ${p.id} and shop_id = ${p.shopId} and active and role = ${p.role}`;
      ok = rows.length === 1;
    }
    cache.set(key, ok);
    return ok;
  }

  return {
    async authenticate(bearer) {
      const { principal, tokenId } = await verify(bearer);
      if (!(await stillValid(principal, tokenId))) throw new TokenError('token_invalid');
      return principal;
    },
    forget(kind, id) {
      for (const k of cache.keys()) if (k.startsWith(`${kind}:${id}:`)) cache.delete(k);
    },
  };
}
