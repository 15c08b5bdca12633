/**
 * Checks every mounted route at once, so a route added later cannot forget the basics:
 * no token → 401, a forged token → 401, a body of the wrong type → 400, hostile search text → never 500.
 */
import assert from 'node:assert/strict';
import { allRoutes } from '../src/rest/routes/index.ts';
import { call, newShop, type ShopSession } from './support/http.ts';

const routes = allRoutes().filter((r) => r.auth !== 'public');
const concrete = (path: string) => path.replace(/:([A-Za-z_]+)/g, '999999999');

describe('route matrix', () => {
  let shop: ShopSession;
  before(async () => {
    shop = await newShop();
  });

  it('every non-public route answers 401 without a token and with a forged one', async () => {
    for (const r of routes) {
      const none = await call(r.method.toUpperCase(), concrete(r.path), { body: r.body ? {} : undefined });
      assert.equal(none.status, 401, `${r.method} ${r.path} without token`);
      assert.equal(none.body.error.code, 'token_missing');
      assert.deepEqual(Object.keys(none.body.error), ['code', 'message', 'details'], 'API.md error shape');
      assert.equal(none.body.error.details, null);
      const forged = await call(r.method.toUpperCase(), concrete(r.path), { token: `${shop.token.slice(0, -4)}AAAA` });
      assert.equal(forged.status, 401, `${r.method} ${r.path} with forged token`);
    }
  });

  it('every route with a body answers 400 to a body of the wrong type, for a role that may call it', async () => {
    for (const r of routes.filter((x) => x.body)) {
      // terminal-only routes (a cashier's PIN sign-in) are called with the terminal's token
      const token = r.auth === 'public' || r.auth.includes('owner') ? shop.token : shop.terminal;
      const res = await call(r.method.toUpperCase(), concrete(r.path), { token, body: [1, 2, 3] });
      assert.equal(res.status, 400, `${r.method} ${r.path}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, 'validation_failed');
      assert.ok(Array.isArray(res.body.error.details), "Array.isArray(res.body.error.details)");
    }
  });

  it('hostile search text is answered, never with a 500', async () => {
    const hostile = ["'; drop table customers; --", '%_\\', 'x'.repeat(10_000), '\u0000', '🙂 عربي'];
    for (const r of routes.filter((x) => x.method === 'get' && x.query?.properties?.search)) {
      for (const term of hostile) {
        const res = await call('GET', `${concrete(r.path)}?search=${encodeURIComponent(term)}`, { token: shop.token });
        // 431: the current uWS build refuses a request line and headers over 4 KB itself
        assert.ok([200, 400, 404, 431].includes(res.status), `${r.path} search ${term.slice(0, 20)} → ${res.status}`);
      }
    }
  });
});
