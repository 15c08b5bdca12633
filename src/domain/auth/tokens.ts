/**
 * Signed JWTs (HS256, `jose`). A token names the principal kind, its id, its shop and its role.
 * User tokens expire (config.userTokenTtlSeconds). Terminal tokens do not expire; they carry the
 * terminal's token_id (jti), and revoking the terminal (or re-issuing its token) makes them fail.
 */
import { createSecretKey } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AppError } from '../../errors.ts';
import type { Principal, PrincipalRole } from './principal.ts';

const ISSUER = 'tajir-pos';
const ROLES_OK: readonly string[] = ['owner', 'manager', 'cashier', 'terminal'];

export interface VerifiedToken {
  principal: Principal;
  /** terminals.token_id for terminal tokens */
  tokenId?: string;
  /** when the token expires (ms since epoch); terminal tokens have none */
  expMs?: number;
}

export type TokenFailure = 'token_missing' | 'token_invalid' | 'token_expired';

const TOKEN_MESSAGES: Record<TokenFailure, string> = {
  token_missing: 'A bearer token is required',
  token_invalid: 'The token is not valid',
  token_expired: 'The token has expired',
};

/** A token that does not authenticate: a catalogue error (401) whose code says why. */
export class TokenError extends AppError {
  constructor(readonly reason: TokenFailure) {
    super(reason, TOKEN_MESSAGES[reason]);
  }
}

export interface TokenService {
  signUser(p: { userId: number; shopId: number; role: PrincipalRole }): Promise<string>;
  signTerminal(p: { terminalId: number; shopId: number; tokenId: string }): Promise<string>;
  /** Throws TokenError with the reason. */
  verify(token: string | undefined): Promise<VerifiedToken>;
}

export function createTokenService(secret: string, userTtlSeconds: number): TokenService {
  // A KeyObject made once: handing jose raw bytes makes it import the key on every verify.
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  return {
    signUser: ({ userId, shopId, role }) =>
      new SignJWT({ shop: shopId, role, kind: 'user' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(userId))
        .setIssuer(ISSUER)
        .setIssuedAt()
        .setExpirationTime(`${userTtlSeconds}s`)
        .sign(key),
    signTerminal: ({ terminalId, shopId, tokenId }) =>
      new SignJWT({ shop: shopId, role: 'terminal', kind: 'terminal' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(terminalId))
        .setIssuer(ISSUER)
        .setJti(tokenId)
        .setIssuedAt()
        .sign(key),
    async verify(token) {
      if (!token) throw new TokenError('token_missing');
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, key, { issuer: ISSUER, algorithms: ['HS256'] }));
      } catch (err) {
        throw new TokenError(err instanceof joseErrors.JWTExpired ? 'token_expired' : 'token_invalid');
      }
      const id = Number(payload.sub);
      const shopId = payload.shop;
      const role = payload.role;
      const kind = payload.kind;
      if (
        !Number.isSafeInteger(id) ||
        typeof shopId !== 'number' ||
        typeof role !== 'string' ||
        !ROLES_OK.includes(role) ||
        (kind !== 'user' && kind !== 'terminal') ||
        (kind === 'terminal') !== (role === 'terminal')
      ) {
        throw new TokenError('token_invalid');
      }
      return {
        principal: { kind, id, shopId, role: role as PrincipalRole },
        tokenId: typeof payload.jti === 'string' ? payload.jti : undefined,
        expMs: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
      };
    },
  };
}
