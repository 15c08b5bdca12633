/**
 * Every route against every role: a role the route does not list gets 403 (and a request
 * without a token 401) before anything is read or written; a role it lists never gets a 500,
 * even for an empty body and an id that does not exist.
 */
import assert from 'node:assert/strict';
import { allRoutes } from '../src/rest/routes/index.ts';
import { call, newShop } from './support/http.ts';

describe('role matrix', function () {
  this.timeout(60_000);

  it('403 for every role a route does not list, 401 without a token, never a 500 for the roles it does', async () => {
    const shop = await newShop();
    const tokens = { owner: shop.token, manager: shop.manager, cashier: shop.cashier, terminal: shop.terminal } as const;
    // the logout routes end the caller's own session: they go last, or every route after them would answer 401
    const endsSession = (path: string) => path.startsWith('/api/auth/logout');
    const routes = allRoutes()
      .filter((r) => r.auth !== 'public')
      .sort((a, b) => Number(endsSession(a.path)) - Number(endsSession(b.path)));
    assert.ok(routes.length >= 60, `${routes.length} routes`);
    const failures: string[] = [];
    for (const r of routes) {
      const path = r.path.replace(/:[A-Za-z_]+/g, '999999999');
      const body = r.body ? {} : undefined;
      const what = `${r.method.toUpperCase()} ${r.path}`;
      const anonymous = await call(r.method.toUpperCase(), path, { body });
      if (anonymous.status !== 401) failures.push(`${what} without a token → ${anonymous.status}`);
      for (const [role, token] of Object.entries(tokens)) {
        const res = await call(r.method.toUpperCase(), path, { token, body });
        const allowed = (r.auth as readonly string[]).includes(role);
        if (!allowed && (res.status !== 403 || res.body?.error?.code !== 'forbidden')) failures.push(`${what} as ${role} → ${res.status}, expected 403`);
        if (allowed && res.status >= 500) failures.push(`${what} as ${role} → ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    assert.deepEqual(failures, []);
  });
});
