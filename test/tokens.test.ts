/**
 * Token keys (issue 19): JWT_SECRET signs; JWT_SECRET_PREVIOUS still verifies during a rollover;
 * any other key fails, and so does a token without a session.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { createTokenService, TokenError } from '../src/domain/auth/tokens.ts';

const OLD = 'old-secret-old-secret-old-secret-0000';
const NEW = 'new-secret-new-secret-new-secret-0000';

const sign = (key: string, claims: Record<string, unknown> = { shop: 1, role: 'owner', kind: 'user' }, jti: string | null = randomUUID()) => {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject('7').setIssuer('tajir-pos').setIssuedAt().setExpirationTime('1h');
  if (jti) jwt.setJti(jti);
  return jwt.sign(new TextEncoder().encode(key));
};

const reason = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return err instanceof TokenError ? err.reason : String(err);
  }
};

describe('token keys', () => {
  it('verifies with the current key and, during a rollover, the previous one; refuses any other', async () => {
    const rolled = createTokenService({ secret: NEW, previous: OLD }, 3600);
    const plain = createTokenService({ secret: NEW }, 3600);
    const mine = await rolled.signUser({ userId: 7, shopId: 1, role: 'owner', sessionId: randomUUID() });
    assert.equal(await reason(rolled.verify(mine)), 'ok');
    assert.equal(await reason(plain.verify(mine)), 'ok', 'signed with JWT_SECRET, not the previous key');
    assert.equal(await reason(rolled.verify(await sign(OLD))), 'ok');
    assert.equal(await reason(plain.verify(await sign(OLD))), 'token_invalid', 'once the rollover is over, the old key is refused');
    assert.equal(await reason(rolled.verify(await sign('tajir-development-secret-change-me-0123456789'))), 'token_invalid');
    assert.equal(await reason(rolled.verify(await sign('yet-another-key-yet-another-key-0000'))), 'token_invalid');
    assert.equal(await reason(rolled.verify(await sign(NEW, undefined, null))), 'token_invalid', 'a token without a session');
  });

  it('fetches a stored key once, and again after a failed fetch', async () => {
    let calls = 0;
    const tokens = createTokenService(
      {
        secret: async () => {
          calls++;
          if (calls === 1) throw new Error('postgres down');
          return NEW;
        },
      },
      3600,
    );
    assert.equal(await reason(tokens.verify(await sign(NEW))), 'Error: postgres down');
    assert.equal(await reason(tokens.verify(await sign(NEW))), 'ok');
    assert.equal(await reason(tokens.verify(await sign(NEW))), 'ok');
    assert.equal(calls, 2);
  });
});
