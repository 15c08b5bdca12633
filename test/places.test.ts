import assert from 'node:assert/strict';
import { call, get, newShop, type ShopSession } from './support/http.ts';

describe('places', () => {
  let a: ShopSession;
  let b: ShopSession;
  before(async () => {
    [a, b] = await Promise.all([newShop(), newShop()]);
  });

  it('lists the UAE cities with Arabic names, Dubai first', async () => {
    const r = await get('/api/cities', a.token);
    assert.equal(r.status, 200);
    assert.equal(r.body.items.length, 8);
    assert.deepEqual(r.body.items[0], { id: 1, name: 'Dubai', name_ar: 'دبي' });
    assert.ok(r.body.items.some((c: any) => c.name === 'Al Ain' && c.name_ar === 'العين'), "r.body.items.some((c: any) => c.name === 'Al Ain' && c.name_ar === '\u0627\u0644\u0639\u064a\u0646')");
  });

  it('lists the areas of a city by name', async () => {
    const r = await get('/api/cities/3/areas', a.token);
    assert.equal(r.status, 200);
    const names = r.body.items.map((x: any) => x.name);
    assert.ok(names.includes('Al Majaz'), "names.includes('Al Majaz')");
    assert.ok(!names.includes('Deira'), 'Deira is in Dubai, not Sharjah');
    assert.deepEqual(names, [...names].sort());
    assert.deepEqual(Object.keys(r.body.items[0]).sort(), ['id', 'name']);
  });

  it('answers 404 for an unknown city and 400 for a malformed id', async () => {
    const r = await get('/api/cities/999/areas', a.token);
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'not_found');
    for (const bad of ['abc', '0', '-1', encodeURIComponent("1'; drop table uae_areas; --")]) {
      const x = await get(`/api/cities/${bad}/areas`, a.token);
      assert.equal(x.status, 400, bad);
      assert.equal(x.body.error.code, 'validation_failed');
      assert.deepEqual(x.body.error.details.map((d: any) => d.field), ['id']);
    }
    assert.equal((await get('/api/cities/1/areas', a.token)).body.items.length > 0, true, 'areas survive hostile ids');
  });

  it('is readable by every role, cashiers and terminals included', async () => {
    for (const t of [a.token, a.manager, a.cashier, a.terminal]) {
      assert.equal((await get('/api/cities', t)).status, 200);
      assert.equal((await get('/api/cities/1/areas', t)).status, 200);
    }
  });

  it('answers 401 without a token or with a forged one', async () => {
    assert.equal((await get('/api/cities')).status, 401);
    assert.equal((await get('/api/cities/1/areas')).status, 401);
    assert.equal((await call('GET', '/api/cities', { token: `${a.token.slice(0, -4)}AAAA` })).status, 401);
  });

  it('is the same reference data for every shop (it holds no shop rows)', async () => {
    const x = await get('/api/cities/1/areas', a.token);
    const y = await get('/api/cities/1/areas', b.terminal);
    assert.deepEqual(x.body, y.body);
  });

  it('has no write routes', async () => {
    for (const [method, path] of [
      ['POST', '/api/cities'],
      ['PATCH', '/api/cities/1'],
      ['DELETE', '/api/cities/1'],
      ['POST', '/api/cities/1/areas'],
    ]) {
      assert.equal((await call(method!, path!, { token: a.token, body: { name: 'X' } })).status, 404, `${method} ${path}`);
    }
  });
});
