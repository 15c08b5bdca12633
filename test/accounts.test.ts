/**
 * Accounts and sessions on one node (API.md): the role rules of PATCH /api/users/:id and the
 * password routes, the last-owner rule, refresh and logout, the password policy, and the routes'
 * place in /openapi.json. Cross-node reach of session ends is in sessions.test.ts.
 */
import assert from 'node:assert/strict';
import { hashPassword } from '../src/domain/auth/passwords.ts';
import { env } from './support/env.ts';
import { get, newShop, patch, post } from './support/http.ts';
import { until } from './support/sockets.ts';

const idOf = async (token: string) => (await get('/api/auth/me', token)).body.id as number;

describe('accounts: users, roles, passwords, refresh and logout', function () {
  this.timeout(60_000);

  it('GET /api/users lists the shop with role, active and last_login, for owners and managers only', async () => {
    const s = await newShop();
    const list = await get('/api/users', s.token);
    assert.equal(list.status, 200);
    assert.equal(list.body.items.length, 3);
    for (const u of list.body.items) {
      assert.deepEqual(Object.keys(u).sort(), ['active', 'created_at', 'email', 'id', 'last_login', 'name', 'role']);
      assert.ok(u.last_login, 'everyone of newShop has logged in');
    }
    assert.equal((await get('/api/users', s.manager)).status, 200);
    assert.equal((await get('/api/users', s.cashier)).status, 403);
  });

  it('an owner manages everyone; a manager manages cashiers only; nobody grants above their own role', async () => {
    const s = await newShop();
    const managerId = await idOf(s.manager);
    const cashierId = await idOf(s.cashier);
    // manager → another manager or the owner: 403; granting owner: 403
    assert.equal((await patch(`/api/users/${s.userId}`, { name: 'x' }, s.manager)).status, 403);
    assert.equal((await patch(`/api/users/${managerId}`, { name: 'me' }, s.manager)).status, 403);
    assert.equal((await patch(`/api/users/${cashierId}`, { role: 'owner' }, s.manager)).status, 403);
    assert.equal((await post(`/api/users/${s.userId}/password`, { password: 'not-allowed-77' }, s.manager)).status, 403);
    // manager → cashier: rename, reset the password
    const renamed = await patch(`/api/users/${cashierId}`, { name: 'Counter Ali' }, s.manager);
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'Counter Ali');
    // a cashier manages nobody
    assert.equal((await patch(`/api/users/${cashierId}`, { name: 'self' }, s.cashier)).status, 403);
    assert.equal((await post(`/api/users/${cashierId}/password`, { password: 'counter-pass-42' }, s.manager)).status, 204);
    assert.equal((await get('/api/auth/me', s.cashier)).body.error.code, 'session_ended', "the reset ended the cashier's session");
    // the owner promotes the manager to owner
    const promoted = await patch(`/api/users/${managerId}`, { role: 'owner' }, s.token);
    assert.equal(promoted.status, 200);
    assert.equal(promoted.body.role, 'owner');
    // another shop's user: 404, nothing changed
    const other = await newShop();
    assert.equal((await patch(`/api/users/${await idOf(other.cashier)}`, { active: false }, s.token)).status, 404);
    assert.equal((await get('/api/auth/me', other.cashier)).status, 200);
    // bad input: 400 naming the field
    const bad = await patch(`/api/users/${cashierId}`, { role: 'admin' }, s.token);
    assert.equal(bad.status, 400);
    assert.equal((await patch(`/api/users/${cashierId}`, {}, s.token)).status, 400);
  });

  it('the last active owner can be neither demoted nor deactivated', async () => {
    const s = await newShop();
    for (const change of [{ role: 'manager' }, { active: false }]) {
      const r = await patch(`/api/users/${s.userId}`, change, s.token);
      assert.equal(r.status, 422);
      assert.equal(r.body.error.code, 'last_owner');
    }
    assert.equal((await get('/api/auth/me', s.token)).status, 200, 'nothing ended');
    // with a second owner, the first may step down; then the second is the last one
    const managerId = await idOf(s.manager);
    assert.equal((await patch(`/api/users/${managerId}`, { role: 'owner' }, s.token)).status, 200);
    assert.equal((await patch(`/api/users/${s.userId}`, { role: 'manager' }, s.token)).status, 200);
    const login = await post('/api/auth/login', { email: s.email, password: 'correct-horse-1' });
    const demoted = login.body.token as string;
    assert.equal(login.body.user.role, 'manager');
    const ownerLogin = await post('/api/auth/login', { email: (await get('/api/users', demoted)).body.items.find((u: any) => u.id === managerId).email, password: 'correct-horse-1' });
    const r = await patch(`/api/users/${managerId}`, { active: false }, ownerLogin.body.token);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'last_owner');
  });

  it('refresh gives the same session a new token; logout ends both; logout-all ends every session', async () => {
    const s = await newShop();
    const refreshed = await post('/api/auth/refresh', undefined, s.manager);
    assert.equal(refreshed.status, 200);
    const fresh = refreshed.body.token as string;
    assert.equal((await get('/api/auth/me', fresh)).status, 200);
    assert.equal((await get('/api/auth/me', s.manager)).status, 200, 'the old token keeps working');
    assert.equal((await post('/api/auth/logout', undefined, fresh)).status, 204);
    for (const t of [fresh, s.manager]) {
      const r = await get('/api/auth/me', t);
      assert.equal(r.status, 401);
      assert.equal(r.body.error.code, 'session_ended');
    }
    assert.equal((await post('/api/auth/refresh', undefined, s.manager)).status, 401);
    assert.equal((await post('/api/auth/refresh', undefined, s.terminal)).status, 403, 'terminals do not refresh');
    // logout-all
    const second = (await post('/api/auth/login', { email: s.email, password: 'correct-horse-1' })).body.token as string;
    assert.equal((await post('/api/auth/logout-all', undefined, s.token)).status, 204);
    for (const t of [s.token, second]) assert.equal((await get('/api/auth/me', t)).status, 401);
  });

  it('passwords: a wrong current password, a short or common new one (also for a new user or shop) are refused and change nothing', async () => {
    const s = await newShop();
    const wrong = await post('/api/auth/password', { current_password: 'not-it-at-all', new_password: 'brand-new-pass-5' }, s.token);
    assert.equal(wrong.status, 422);
    assert.equal(wrong.body.error.code, 'wrong_password');
    for (const weak of ['password1', 'qwerty123', 'iloveyou']) {
      const r = await post('/api/auth/password', { current_password: 'correct-horse-1', new_password: weak }, s.token);
      assert.equal(r.status, 422, weak);
      assert.equal(r.body.error.code, 'weak_password');
    }
    assert.equal((await post('/api/auth/password', { current_password: 'correct-horse-1', new_password: 'short' }, s.token)).status, 400);
    assert.equal((await post('/api/users/1/password', { password: 'password123' }, s.token)).status, 422);
    // the policy's other two doors: a new user of the shop, and a new shop
    const user = await post('/api/users', { email: `weak-${s.email}`, name: 'Weak', role: 'cashier', password: 'letmein1' }, s.token);
    assert.equal(user.status, 422);
    assert.equal(user.body.error.code, 'weak_password');
    const signup = await post('/api/auth/signup', { shop_name: 'Weak Shop', email: `weak-owner-${s.email}`, password: 'Sunshine1' });
    assert.equal(signup.status, 422);
    assert.equal(signup.body.error.code, 'weak_password');
    assert.equal((await post('/api/auth/login', { email: `weak-owner-${s.email}`, password: 'Sunshine1' })).status, 401, 'no shop was made');
    assert.equal((await post('/api/auth/login', { email: s.email, password: 'correct-horse-1' })).status, 200, 'unchanged');
    // and a good one works
    const ok = await post('/api/auth/password', { current_password: 'correct-horse-1', new_password: 'a-quiet-tailor-42' }, s.token);
    assert.equal(ok.status, 200);
    assert.equal((await get('/api/auth/me', ok.body.token)).status, 200);
    assert.equal((await post('/api/auth/login', { email: s.email, password: 'a-quiet-tailor-42' })).status, 200);
  });

  it('a login racing a password change gets no session with the old password', async () => {
    const s = await newShop();
    const sql = env().sql;
    let answer: Promise<{ status: number }> | undefined;
    await sql.begin(async (tx) => {
      // the change holds the user's row, as POST /api/users/:id/password does in its transaction
      await tx`update users set password_hash = ${await hashPassword('changed-meanwhile-7')} where id = ${s.userId}`;
      answer = post('/api/auth/login', { email: s.email, password: 'correct-horse-1' });
      // the login checked the old password and now waits for the row before starting its session
      await until(async () => {
        const [w] = await sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into sessions%'`;
        return w!.n > 0;
      }, 10_000, 'the login to wait for the row');
    });
    assert.equal((await answer!).status, 401);
  });

  it('/openapi.json lists the account routes', async () => {
    const doc = (await get('/openapi.json')).body;
    for (const [path, method] of [
      ['/api/users', 'get'],
      ['/api/users/{id}', 'patch'],
      ['/api/users/{id}/password', 'post'],
      ['/api/auth/password', 'post'],
      ['/api/auth/refresh', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/auth/logout-all', 'post'],
      ['/api/terminals/{id}', 'delete'],
    ] as const) {
      assert.ok(doc.paths[path]?.[method], `${method.toUpperCase()} ${path}`);
    }
  });
});
