/**
 * Signed JWTs (HS256, `jose`). A token names the principal kind, its id, its shop, its role and
 * its session (jti): for a user the row of `sessions` it belongs to, for a terminal its
 * token_id. User tokens expire (config.userTokenTtlSeconds). Terminal tokens do not expire;
 * revoking the terminal (or re-issuing its token) makes them fail.
 *
 * The key: JWT_SECRET when set, else a random secret kept in PostgreSQL (secrets.ts), fetched on
 * first use. JWT_SECRET_PREVIOUS is accepted for verification only, during a rollover. There is no
 * key in the source: a token signed with anything else fails.
 */
import { createSecretKey, type KeyObject } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../errors.ts';
import type { Principal, PrincipalRole } from './principal.ts';

const ISSUER = 'tajir-pos';
const ROLES_OK: readonly string[] = ['owner', 'manager', 'cashier', 'terminal'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface VerifiedToken {
  principal: Principal;
  /** the session the token belongs to: sessions.id (users) or terminals.token_id (terminals) */
  sessionId: string;
  /** when the token expires (ms since epoch); terminal tokens have none */
  expMs?: number;
}

export type TokenFailure = 'token_missing' | 'token_invalid' | 'token_expired' | 'session_ended';

const TOKEN_MESSAGES: Record<TokenFailure, string> = {
  token_missing: 'A bearer token is required',
  token_invalid: 'The token is not valid',
  token_expired: 'The token has expired',
  session_ended: 'This session has ended; sign in again',
};

/** A token that does not authenticate: a catalogue error (401) whose code says why. */
export class TokenError extends AppError {
  constructor(readonly reason: TokenFailure) {
    super(reason, TOKEN_MESSAGES[reason]);
  }
}

export interface TokenService {
  signUser(p: { userId: number; shopId: number; role: PrincipalRole; sessionId: string }): Promise<string>;
  signTerminal(p: { terminalId: number; shopId: number; tokenId: string }): Promise<string>;
  /**
   * A cashier's PIN session at a terminal: the terminal's own claims (so revoking the terminal
   * ends it) plus the cashier and the PIN session; it expires like a user token.
   */
  signTerminalSession(p: { terminalId: number; shopId: number; tokenId: string; pinSessionId: string; cashierId: number }): Promise<string>;
  /** Throws TokenError with the reason. */
  verify(token: string | undefined): Promise<VerifiedToken>;
  /** Lifetime of a user token, s. */
  readonly userTtlSeconds: number;
}

export interface TokenKeys {
  /** The signing secret, or how to fetch it (once, on first use). */
  secret: string | (() => Promise<string>);
  /** Also accepted for verification (JWT_SECRET_PREVIOUS). */
  previous?: string;
}

// A KeyObject made once: handing jose raw bytes makes it import the key on every verify.
const toKey = (s: string): KeyObject => createSecretKey(Buffer.from(s, 'utf8'));

export function createTokenService(keys: TokenKeys, userTtlSeconds: number): TokenService {
  const secret = keys.secret;
  let current: Promise<KeyObject> | undefined = typeof secret === 'string' ? Promise.resolve(toKey(secret)) : undefined;
  const signingKey = (): Promise<KeyObject> => {
    if (current || typeof secret === 'string') return current!;
    // a failed load (PostgreSQL down at the first request) is retried by the next call
    current = secret().then(toKey, (err: unknown) => {
      current = undefined;
      throw err;
    });
    return current;
  };
  const previousKey = keys.previous ? toKey(keys.previous) : undefined;

  async function verifyWithKeys(token: string): Promise<Record<string, unknown>> {
    const opts = { issuer: ISSUER, algorithms: ['HS256'] };
    try {
      return (await jwtVerify(token, await signingKey(), opts)).payload;
    } catch (err) {
      if (!(err instanceof joseErrors.JWSSignatureVerificationFailed) || !previousKey) throw err;
      return (await jwtVerify(token, previousKey, opts)).payload;
    }
  }

  return {
    userTtlSeconds,
    signUser: async ({ userId, shopId, role, sessionId }) =>
      new SignJWT({ shop: shopId, role, kind: 'user' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setJti(sessionId)
        .setIssuedAt()
        .setExpirationTime(`${userTtlSeconds}s`)
        .sign(await signingKey()),
    signTerminal: async ({ terminalId, shopId, tokenId }) =>
      new SignJWT({ shop: shopId, role: 'terminal', kind: 'terminal' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(terminalId))
        .setIssuer(ISSUER)
        .setJti(tokenId)
        .setIssuedAt()
        .sign(await signingKey()),
    signTerminalSession: async ({ terminalId, shopId, tokenId, pinSessionId, cashierId }) =>
      new SignJWT({ shop: shopId, role: 'terminal', kind: 'terminal', sid: pinSessionId, cashier: cashierId })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(terminalId))
        .setIssuer(ISSUER)
        .setJti(tokenId)
        .setIssuedAt()
        .setExpirationTime(`${userTtlSeconds}s`)
        .sign(await signingKey()),
    async verify(token) {
      if (!token) throw new TokenError('token_missing');
      let payload: Record<string, unknown>;
      try {
        payload = await verifyWithKeys(token);
      } catch (err) {
        if (err instanceof joseErrors.JOSEError) {
          throw new TokenError(err instanceof joseErrors.JWTExpired ? 'token_expired' : 'token_invalid');
        }
        throw err; // the stored key could not be read: a 503, not a 401
      }
      const id = Number(payload.sub);
      const shopId = payload.shop;
      const role = payload.role;
      const kind = payload.kind;
      const jti = payload.jti;
      if (
        !Number.isSafeInteger(id) ||
        typeof shopId !== 'number' ||
        typeof role !== 'string' ||
        !ROLES_OK.includes(role) ||
        (kind !== 'user' && kind !== 'terminal') ||
        (kind === 'terminal') !== (role === 'terminal') ||
        typeof jti !== 'string' ||
        !UUID.test(jti) ||
        (kind === 'user' && typeof payload.exp !== 'number')
      ) {
        throw new TokenError('token_invalid');
      }
      // a PIN session names its cashier and PIN session; both or neither, and only on terminal tokens
      const sid = payload.sid;
      const cashier = payload.cashier;
      const pin = typeof sid === 'string' && UUID.test(sid) && typeof cashier === 'number' && Number.isSafeInteger(cashier) && kind === 'terminal';
      if (!pin && (sid !== undefined || cashier !== undefined)) throw new TokenError('token_invalid');
      return {
        principal: { kind, id, shopId, role: role as PrincipalRole, sessionId: jti, ...(pin ? { cashierId: cashier as number, pinSessionId: sid as string } : {}) },
        sessionId: jti,
        expMs: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      };
    },
  };
}
