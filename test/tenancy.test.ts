/**
 * Tenant isolation over every id-bearing route: a second shop's owner gets 404 — exactly as for
 * an id that does not exist — and its lists never show the first shop's rows.
 */
import assert from 'node:assert/strict';
import { allRoutes } from '../src/rest/routes/index.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
import { call, get, newShop, post } from './support/http.ts';
import { until } from './support/sockets.ts';

const BODIES: Record<string, unknown> = {
  'patch /api/product-types/:id': { name: 'Renamed' },
  'patch /api/products/:id': { rate: 9 },
  'patch /api/customers/:id': { name: 'Renamed' },
  'patch /api/employees/:id': { name: 'Renamed' },
  'patch /api/expense-categories/:id': { name: 'Renamed' },
  'patch /api/expenses/:id': { amount: 9 },
  'patch /api/recurring-expenses/:id': { amount: 9 },
  'post /api/bills/:id/payments': { amount: 1, method: 'Cash' },
  'post /api/bills/:id/cancel': { reason: 'not mine' },
  'put /api/users/:id/pin': { pin: '1234' },
  'patch /api/users/:id': { active: false },
  'post /api/users/:id/password': { password: 'another-shops-pass-9' },
};

describe('tenant isolation matrix', function () {
  this.timeout(60_000);

  it('answers 404 to another shop on every id-bearing route, and keeps lists apart', async () => {
    const a = await newShop();
    const b = await newShop();
    const product = await addProduct(a.shopId, 'Secret product', 50);
    const employee = await addEmployee(a.shopId, 'Secret master');
    const bill = await post('/api/bills', { customer: { phone: '0501239999', name: 'Secret customer' }, employee_id: employee, items: [{ product_id: product, quantity: 1 }] }, a.token);
    const cat = (await get('/api/expense-categories', a.token)).body.items[0].id;
    const expense = await post('/api/expenses', { category_id: cat, expense_date: '2026-11-01', amount: 10, description: 'Secret expense' }, a.token);
    const recurring = await post('/api/recurring-expenses', { category_id: cat, amount: 10, frequency: 'monthly', start_date: '2030-01-01' }, a.token);
    const report = await post('/api/reports', { type: 'vat', from: '2026-01-01', to: '2026-12-31', format: 'csv' }, a.token);
    await until(async () => (await get(`/api/reports/${report.body.id}`, a.token)).body.status === 'done', 20_000, 'report');
    const recipient = await post('/api/mail-recipients', { email: 'secret-accountant@outside.test' }, a.token);
    const types = (await get('/api/product-types', a.token)).body.items;
    const vat = (await get('/api/shop-settings', a.token)).body.vat_rates[0].id;
    const ids: Record<string, string | number> = {
      '/api/product-types/:id': types[0].id,
      '/api/products/:id': product,
      '/api/customers/:id': bill.body.customer_id,
      '/api/employees/:id': employee,
      '/api/terminals/:id': a.terminalId,
      '/api/vat-rates/:id': vat,
      '/api/expense-categories/:id': cat,
      '/api/expenses/:id': expense.body.id,
      '/api/recurring-expenses/:id': recurring.body.id,
      '/api/bills/:id': bill.body.id,
      '/api/loyalty/customers/:id': bill.body.customer_id,
      '/api/reports/:id': report.body.id,
      '/api/cities/:id': -1,
      '/api/users/:id': a.userId,
      '/api/mail-recipients/:id': recipient.body.id,
    };
    const idRoutes = allRoutes().filter((r) => r.auth !== 'public' && r.path.includes(':id'));
    assert.ok(idRoutes.length >= 20, "idRoutes.length >= 20");
    for (const r of idRoutes) {
      const base = Object.keys(ids).find((k) => r.path.startsWith(k));
      assert.ok(base, `no fixture for ${r.path}`);
      if (base === '/api/cities/:id') continue; // reference data shared by every shop
      const path = r.path.replace(':id', String(ids[base]));
      const res = await call(r.method.toUpperCase(), path, { token: b.token, body: r.body ? (BODIES[`${r.method} ${r.path}`] ?? {}) : undefined });
      assert.equal(res.status, 404, `${r.method} ${r.path} as another shop → ${res.status} ${JSON.stringify(res.body)}`);
    }
    await settled(a.shopId);
    const theirIds = new Set([cat, ...types.map((t: { id: number }) => t.id)]);
    const lists = ['/api/products', '/api/product-types', '/api/customers', '/api/customers/recent', '/api/employees', '/api/masters', '/api/bills', '/api/expenses', '/api/expense-categories', '/api/recurring-expenses', '/api/terminals', '/api/users', '/api/loyalty/tiers', '/api/report-schedules', '/api/mail-recipients'];
    for (const list of lists) {
      const res = await get(list, b.token);
      assert.equal(res.status, 200, `${list}: ${JSON.stringify(res.body)}`);
      // API.md's envelope on every list (recent customers take ?limit= instead, as API.md has it)
      if (list !== '/api/customers/recent') assert.ok(res.body.page === 1 && Number.isInteger(res.body.per_page) && res.body.total >= res.body.items.length, `${list}: ${JSON.stringify({ ...res.body, items: res.body.items.length })}`);
      // both shops have the same default type and category names: compare ids
      assert.ok(!(res.body.items as { id: number }[]).some((x) => theirIds.has(x.id) && /categor|type/.test(list)), `${list} leaks ids`);
      const text = JSON.stringify(res.body);
      assert.ok(!/Secret/.test(text), `${list} leaks`);
      assert.ok(!text.includes(`"id":${product}`) || list !== '/api/products', `${list} leaks ids`);
    }
    // a short list pages like any other
    const cats = (await get('/api/expense-categories', b.token)).body;
    const second = (await get('/api/expense-categories?per_page=2&page=2', b.token)).body;
    assert.deepEqual([second.page, second.per_page, second.total], [2, 2, cats.total]);
    assert.deepEqual(second.items, cats.items.slice(2, 4));
    const dash = (await get('/api/dashboard', b.token)).body;
    assert.equal(dash.today.bills, 0);
    // and the first shop still has everything
    assert.equal((await get(`/api/bills/${bill.body.id}`, a.token)).status, 200);
    assert.equal((await get('/api/auth/me', a.token)).status, 200, "another shop's PATCH and password reset changed nothing");
  });

  it('every reference between two shop tables carries shop_id, so no row can point into another shop', async () => {
    const loose = await env().sql<{ tbl: string; conname: string; ref: string }[]>`
      select c.conrelid::regclass::text as tbl, c.conname, c.confrelid::regclass::text as ref
      from pg_constraint c
      where c.contype = 'f' and c.confrelid <> 'shops'::regclass
        and exists (select 1 from pg_attribute a where a.attrelid = c.conrelid and a.attname = 'shop_id')
        and exists (select 1 from pg_attribute a where a.attrelid = c.confrelid and a.attname = 'shop_id')
        and not ((select attnum from pg_attribute where attrelid = c.conrelid and attname = 'shop_id') = any (c.conkey))`;
    assert.deepEqual([...loose], []);
  });
});
