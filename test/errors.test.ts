import assert from 'node:assert/strict';
import { TokenError } from '../src/domain/auth/tokens.ts';
import { ackError, handshakeError, httpError, toAppError } from '../src/error-reply.ts';
import { ERROR_STATUS, ERRORS } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';

const log = createLogger('silent');

describe('the error catalogue and its one mapping', () => {
  it('gives every code one status, and every factory a code from the catalogue', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      assert.ok([400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503].includes(status), code);
    }
    assert.equal(ERRORS.businessRule('overpayment', 'x').status, 422);
    assert.equal(new TokenError('token_expired').status, 401);
  });

  it('maps Postgres, connection and unexpected errors the same way on every transport', () => {
    const cases: [unknown, string, number][] = [
      [Object.assign(new Error('dup'), { code: '23505', constraint_name: 'customers_phone_key' }), 'conflict', 409],
      [Object.assign(new Error('fk'), { code: '23503' }), 'invalid_reference', 422],
      [Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 'dependency_unavailable', 503],
      [Object.assign(new Error('timeout'), { name: 'Error', message: 'Command timed out' }), 'dependency_unavailable', 503],
      [new TypeError('a bug with customer data 0501234567'), 'internal', 500],
      [new TokenError('token_expired'), 'token_expired', 401],
      [ERRORS.forbidden(), 'forbidden', 403],
    ];
    for (const [err, code, status] of cases) {
      const http = httpError(err, log, 'test');
      assert.equal(http.status, status, code);
      assert.equal(http.body.error.code, code);
      assert.deepEqual(ackError(err, log, 'test'), http.body, 'an ack carries the HTTP body');
      const hs = handshakeError(err, log);
      assert.deepEqual(hs.data, http.body.error, 'a connect_error carries the same error');
      assert.equal(hs.message, http.body.error.message);
      assert.ok(!JSON.stringify(http.body).includes('0501234567'), 'an unexpected error never leaks its message');
    }
    assert.equal(toAppError(ERRORS.rateLimited(2.2), log, 'x').headers?.['Retry-After'], '3');
  });
});
