/**
 * Sessions end everywhere (issue 19, API.md "Accounts and sessions"), on two nodes that share
 * PostgreSQL and Redis and run WITHOUT JWT_SECRET, so they also show the stored random key is
 * shared: a token made on one node works on the other. For each way a session ends — deactivate,
 * demote, password change, owner reset, logout-all, terminal revoke, token expiry — a token of
 * the ended session is refused by REST on both nodes within 1 s, and its sockets on both nodes
 * receive `session:ended {reason}` and are disconnected within 2 s.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { startOwnService } from './support/service.ts';
import { env } from './support/env.ts';
import { uniqueEmail } from './support/http.ts';
import { type ClientSocket, closeAllSockets, connect, connected, openSocket, until } from './support/sockets.ts';

interface Node {
  url: string;
  kill(): void;
}

async function at(node: Node, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(node.url + path, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

/** A socket and what it was told. */
interface Watched {
  socket: ClientSocket;
  ended: string[];
  disconnectedAt?: number;
}

function watch(socket: ClientSocket): Watched {
  const w: Watched = { socket, ended: [] };
  // no reconnect: a socket that comes back would hide that it was closed
  socket.io.opts.reconnection = false;
  socket.on('session:ended', (m) => w.ended.push(m.reason));
  socket.on('disconnect', () => {
    w.disconnectedAt ??= Date.now();
  });
  return w;
}

describe('sessions end on every node (two nodes, stored secret)', function () {
  this.timeout(120_000);
  const nodes: Node[] = [];
  const password = 'sessions-pass-9';
  let owner: string;
  let ownerId: number;

  before(async () => {
    for (let i = 0; i < 2; i++) {
      const s = await startOwnService('sessions', { ROLES: 'api,realtime', JWT_SECRET: '' });
      nodes.push({ url: s.url, kill: () => s.child.kill('SIGKILL') });
    }
    const signup = await at(nodes[0]!, 'POST', '/api/auth/signup', { shop_name: 'Sessions Tailoring', email: uniqueEmail('owner'), password });
    assert.equal(signup.status, 201, JSON.stringify(signup.body));
    owner = signup.body.token;
    ownerId = signup.body.user.id;
  });
  after(() => {
    closeAllSockets();
    for (const n of nodes) n.kill();
  });

  /** A new user of the shop, logged in on node 1: [id, token, email]. */
  async function newUser(role: 'manager' | 'cashier'): Promise<[number, string, string]> {
    const email = uniqueEmail(role);
    const made = await at(nodes[0]!, 'POST', '/api/users', { email, password, name: role, role }, owner);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const login = await at(nodes[1]!, 'POST', '/api/auth/login', { email, password });
    assert.equal(login.status, 200);
    return [made.body.id, login.body.token, email];
  }

  /**
   * Opens a socket with `token` on each node, runs `act`, then checks both nodes refuse the token
   * (401 session_ended) within 1 s and both sockets were told `reason` and closed within 2 s.
   */
  async function endsEverywhere(token: string, reason: string, act: () => Promise<void>, restCode = 'session_ended'): Promise<void> {
    const [n1, n2] = nodes as [Node, Node];
    for (const n of nodes) assert.equal((await at(n, 'GET', '/api/auth/me', undefined, token)).status, 200, 'works before');
    const sockets = [watch(await connect(token, n1.url)), watch(await connect(token, n2.url))];
    await act();
    const acted = Date.now();
    for (const n of [n1, n2]) {
      await until(async () => (await at(n, 'GET', '/api/auth/me', undefined, token)).status === 401, 1000, `REST refusal on ${n.url}`);
      const r = await at(n, 'GET', '/api/auth/me', undefined, token);
      assert.equal(r.body.error.code, restCode);
    }
    for (const w of sockets) {
      await until(() => w.disconnectedAt !== undefined, Math.max(0, acted + 2000 - Date.now()), 'socket disconnect within 2 s');
      assert.deepEqual(w.ended, [reason]);
    }
    // and a new socket with that token is refused on both nodes
    for (const n of [n1, n2]) {
      await assert.rejects(connected(openSocket(token, n.url, { reconnection: false })), (e: { code?: string }) => e.code === restCode);
    }
  }

  it('a token made on one node works on the other (one stored key), and a forged one fails on both', async () => {
    for (const n of nodes) assert.equal((await at(n, 'GET', '/api/auth/me', undefined, owner)).status, 200);
    const claims = { shop: 1, role: 'owner', kind: 'user' };
    const forge = (key: string) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(String(ownerId))
        .setIssuer('tajir-pos')
        .setJti(randomUUID())
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(key));
    for (const key of ['tajir-development-secret-change-me-0123456789', env().config.jwtSecret!, 'any-other-key-any-other-key-any-other-key']) {
      const forged = await forge(key);
      for (const n of nodes) {
        const r = await at(n, 'GET', '/api/auth/me', undefined, forged);
        assert.equal(r.status, 401);
        assert.equal(r.body.error.code, 'token_invalid');
      }
    }
  });

  it('deactivation', async () => {
    const [id, token] = await newUser('cashier');
    await endsEverywhere(token, 'deactivated', async () => {
      assert.equal((await at(nodes[0]!, 'PATCH', `/api/users/${id}`, { active: false }, owner)).status, 200);
    });
    assert.equal((await at(nodes[1]!, 'POST', '/api/auth/login', { email: (await at(nodes[0]!, 'GET', '/api/users', undefined, owner)).body.items.find((u: any) => u.id === id).email, password })).status, 401);
  });

  it('demotion', async () => {
    const [id, token] = await newUser('manager');
    await endsEverywhere(token, 'role_changed', async () => {
      const r = await at(nodes[1]!, 'PATCH', `/api/users/${id}`, { role: 'cashier' }, owner);
      assert.equal(r.status, 200);
      assert.equal(r.body.role, 'cashier');
    });
  });

  it('own password change: the other sessions end, the calling one goes on with a new token', async () => {
    const [, token, email] = await newUser('manager');
    const other = (await at(nodes[0]!, 'POST', '/api/auth/login', { email, password })).body.token as string;
    let fresh = '';
    await endsEverywhere(other, 'password_changed', async () => {
      const r = await at(nodes[0]!, 'POST', '/api/auth/password', { current_password: password, new_password: 'a-new-pass-77' }, token);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      fresh = r.body.token;
    });
    for (const n of nodes) {
      assert.equal((await at(n, 'GET', '/api/auth/me', undefined, token)).status, 200, 'the calling session lives on');
      assert.equal((await at(n, 'GET', '/api/auth/me', undefined, fresh)).status, 200);
    }
    assert.equal((await at(nodes[1]!, 'POST', '/api/auth/login', { email, password: 'a-new-pass-77' })).status, 200);
  });

  it('owner reset of a password', async () => {
    const [id, token, email] = await newUser('cashier');
    await endsEverywhere(token, 'password_changed', async () => {
      assert.equal((await at(nodes[0]!, 'POST', `/api/users/${id}/password`, { password: 'reset-by-owner-5' }, owner)).status, 204);
    });
    assert.equal((await at(nodes[1]!, 'POST', '/api/auth/login', { email, password })).status, 401);
    assert.equal((await at(nodes[1]!, 'POST', '/api/auth/login', { email, password: 'reset-by-owner-5' })).status, 200);
  });

  it('log out everywhere', async () => {
    const [, token, email] = await newUser('manager');
    const second = (await at(nodes[1]!, 'POST', '/api/auth/login', { email, password })).body.token as string;
    await endsEverywhere(second, 'logout', async () => {
      assert.equal((await at(nodes[1]!, 'POST', '/api/auth/logout-all', undefined, token)).status, 204);
    });
    assert.equal((await at(nodes[0]!, 'GET', '/api/auth/me', undefined, token)).status, 401);
  });

  it('terminal revocation', async () => {
    const term = await at(nodes[0]!, 'POST', '/api/terminals', { name: 'Counter' }, owner);
    assert.equal(term.status, 201);
    await endsEverywhere(term.body.token, 'revoked', async () => {
      assert.equal((await at(nodes[1]!, 'DELETE', `/api/terminals/${term.body.id}`, undefined, owner)).status, 204);
    });
  });

  it('token expiry', async () => {
    const [id] = await newUser('manager');
    // a token of a live session that expires in 3 s, signed with the install's stored key
    const [secret] = await env().sql<{ value: string }[]>`select value from service_secrets where name = 'jwt'`;
    const [session] = await env().sql<{ id: string; shop_id: number }[]>`
      select id, shop_id from sessions where user_id = ${id} and ended_at is null limit 1`;
    const exp = Math.floor(Date.now() / 1000) + 3;
    const token = await new SignJWT({ shop: Number(session!.shop_id), role: 'manager', kind: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(id))
      .setIssuer('tajir-pos')
      .setJti(session!.id)
      .setIssuedAt()
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(secret!.value));
    await endsEverywhere(token, 'expired', () => new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 - Date.now()))), 'token_expired');
  });
});
