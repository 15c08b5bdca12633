/**
 * The login, signup and socket handshake limits count per client address, and the address comes
 * from X-Forwarded-For only when the peer is a trusted proxy (TRUST_PROXY). Two services of their
 * own: one behind a trusted proxy (127.0.0.1, where the test connects from), one trusting nobody.
 * Also the signup limit in total per hour, and the unit rules of reading the header.
 */
import assert from 'node:assert/strict';
import { createClientAddress } from '../src/rest/client-address.ts';
import { startOwnService } from './support/service.ts';
import { closeAllSockets, connected, openSocket } from './support/sockets.ts';

async function send(url: string, path: string, body: unknown, forwardedFor?: string) {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  return res.status;
}

let n = 0;
const signup = (url: string, xff?: string) =>
  send(url, '/api/auth/signup', { shop_name: 'Limit Laundry', email: `limit-${process.pid}-${Date.now()}-${n++}@test.tajir`, password: 'limit-pass-42' }, xff);

describe('client address behind proxies', function () {
  this.timeout(90_000);
  const kill: (() => void)[] = [];
  after(() => {
    closeAllSockets();
    for (const k of kill) k();
  });

  it('reads X-Forwarded-For from the right, only from trusted proxies', () => {
    const addr = createClientAddress(['10.0.0.0/8', '127.0.0.1/32']);
    assert.equal(addr('127.0.0.1', '203.0.113.7'), '203.0.113.7');
    assert.equal(addr('::ffff:127.0.0.1', '203.0.113.7'), '203.0.113.7');
    // the client's own entries (left) prove nothing; our proxies' (right) are skipped
    assert.equal(addr('127.0.0.1', '1.2.3.4, 203.0.113.7, 10.1.2.3'), '203.0.113.7');
    assert.equal(addr('198.51.100.9', '203.0.113.7'), '198.51.100.9', 'an untrusted peer is the client itself');
    assert.equal(addr('127.0.0.1', undefined), '127.0.0.1');
    assert.equal(addr('127.0.0.1', 'garbage, 10.0.0.1'), '127.0.0.1');
    assert.equal(createClientAddress([])('127.0.0.1', '203.0.113.7'), '127.0.0.1');
  });

  it('behind a trusted proxy: each forwarded client has its own budgets, and signups have a total per hour', async () => {
    const s = await startOwnService('proxy-trusted', {
      TRUST_PROXY: '127.0.0.1/32,::1',
      SIGNUP_LIMIT_PER_IP: '2',
      SIGNUP_LIMIT_PER_HOUR: '5',
      LOGIN_LIMIT_PER_IP: '3',
      SOCKET_HANDSHAKES_PER_IP: '2',
    });
    kill.push(() => s.child.kill('SIGKILL'));
    assert.deepEqual([await signup(s.url, '203.0.113.1'), await signup(s.url, '203.0.113.1'), await signup(s.url, '203.0.113.1')], [201, 201, 429]);
    assert.deepEqual([await signup(s.url, '203.0.113.2'), await signup(s.url, '203.0.113.2')], [201, 201]);
    // 4 made: one more from anywhere, then the hour's total is spent for everyone
    assert.equal(await signup(s.url, '203.0.113.3'), 201);
    assert.equal(await signup(s.url, '203.0.113.4'), 429);
    // login per address
    const login = (xff: string) => send(s.url, '/api/auth/login', { email: 'nobody@test.tajir', password: 'wrong-password-1' }, xff);
    assert.deepEqual([await login('198.51.100.1'), await login('198.51.100.1'), await login('198.51.100.1'), await login('198.51.100.1')], [401, 401, 401, 429]);
    assert.equal(await login('198.51.100.2'), 401, 'another client is not held back');
    // socket handshakes per address: the third from one client is refused, another client connects
    const hs = (xff: string) => connected(openSocket('not-a-token', s.url, { extraHeaders: { 'x-forwarded-for': xff }, reconnection: false })).then(
      () => 'connected',
      (e: { code?: string }) => e.code ?? 'error',
    );
    assert.deepEqual([await hs('192.0.2.1'), await hs('192.0.2.1'), await hs('192.0.2.1')], ['token_invalid', 'token_invalid', 'rate_limited']);
    assert.equal(await hs('192.0.2.2'), 'token_invalid');
  });

  it('without TRUST_PROXY the header is ignored: every request counts against the peer', async () => {
    const s = await startOwnService('proxy-untrusted', { SIGNUP_LIMIT_PER_IP: '2', LOGIN_LIMIT_PER_IP: '2' });
    kill.push(() => s.child.kill('SIGKILL'));
    assert.deepEqual([await signup(s.url, '203.0.113.1'), await signup(s.url, '203.0.113.2'), await signup(s.url, '203.0.113.3')], [201, 201, 429]);
    const login = (xff: string) => send(s.url, '/api/auth/login', { email: 'nobody@test.tajir', password: 'wrong-password-1' }, xff);
    assert.deepEqual([await login('198.51.100.1'), await login('198.51.100.2'), await login('198.51.100.3')], [401, 401, 429]);
  });
});
