import assert from 'node:assert/strict';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { del, get, newShop, patch, post, type ShopSession } from './support/http.ts';

describe('customers and employees', () => {
  let s: ShopSession;
  let other: ShopSession;
  before(async () => {
    s = await newShop();
    other = await newShop();
  });

  it('creates customers with E.164 phones, unique per shop whatever the spelling', async () => {
    const a = await post('/api/customers', { name: 'Ahmed', phone: '050 123 4567', city: 'Dubai', area: 'Deira' }, s.cashier);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(a.body.phone, '+971501234567');
    assert.equal(a.body.total_bills, 0);
    const dup = await post('/api/customers', { name: 'Other', phone: '+971 50 123 4567' }, s.cashier);
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.details[0].field, 'phone');
    assert.equal((await post('/api/customers', { name: 'Same phone, other shop', phone: '0501234567' }, other.token)).status, 201);
    const bad = await post('/api/customers', { name: 'X', phone: '12' }, s.cashier);
    assert.equal(bad.status, 400);
    const biz = await post('/api/customers', { name: 'Y', phone: '0551112233', customer_type: 'Business' }, s.cashier);
    assert.equal(biz.status, 400);
    assert.equal(biz.body.error.details[0].field, 'business_name');
    const sqlish = await post('/api/customers', { name: "O'Brien'; drop table customers; --", phone: '0551112234' }, s.cashier);
    assert.equal(sqlish.status, 201);
    assert.equal(sqlish.body.name, "O'Brien'; drop table customers; --");
    assert.equal((await post('/api/customers', { name: 'x'.repeat(10_000), phone: '0551112235' }, s.cashier)).status, 400);
  });

  it('searches by name or phone fragment, pages, and keeps shops apart', async () => {
    await post('/api/customers', { name: 'Fatima Hassan', phone: '0567778899' }, s.cashier);
    const byName = await get('/api/customers?search=fatima', s.cashier);
    assert.deepEqual(byName.body.items.map((c: any) => c.name), ['Fatima Hassan']);
    const byPhone = await get('/api/customers?search=777889', s.cashier);
    assert.equal(byPhone.body.items[0].name, 'Fatima Hassan');
    // as people type phones at the counter: the local form, a local fragment with its trunk 0, the international forms
    for (const typed of ['0567778899', '056 777', '+971 56 777 8899', '00971567778899']) {
      const r = await get(`/api/customers?search=${encodeURIComponent(typed)}`, s.cashier);
      assert.deepEqual(r.body.items.map((c: any) => c.name), ['Fatima Hassan'], typed);
    }
    const page = await get('/api/customers?per_page=1&page=2', s.cashier);
    assert.equal(page.body.items.length, 1);
    assert.ok(page.body.total >= 3, "page.body.total >= 3");
    const theirs = await get('/api/customers', other.token);
    assert.ok(!theirs.body.items.some((c: any) => c.name === 'Fatima Hassan'), "!theirs.body.items.some((c: any) => c.name === 'Fatima Hassan')");
    const id = byName.body.items[0].id;
    assert.equal((await get(`/api/customers/${id}`, other.token)).status, 404);
    assert.equal((await patch(`/api/customers/${id}`, { name: 'X' }, other.token)).status, 404);
    assert.equal((await del(`/api/customers/${id}`, other.token)).status, 404);
    assert.equal((await get('/api/customers', s.terminal)).status, 403);
    assert.equal((await get(`/api/customers/${id}`, s.terminal)).status, 403);
    assert.equal((await get('/api/customers/999999', s.token)).status, 404);
  });

  it('PATCH /api/customers/:id changes the fields sent, with the same rules as creation', async () => {
    const c = await post('/api/customers', { name: 'Mariam', phone: '0509871111', city: 'Sharjah' }, s.cashier);
    await post('/api/customers', { name: 'Taken', phone: '0509872222' }, s.cashier);
    const r = await patch(`/api/customers/${c.body.id}`, { name: '  Mariam Saeed ', phone: '050 987 3333', area: null }, s.cashier);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual([r.body.name, r.body.phone, r.body.city, r.body.area], ['Mariam Saeed', '+971509873333', 'Sharjah', null]);
    assert.equal((await get(`/api/customers/${c.body.id}`, s.cashier)).body.name, 'Mariam Saeed');
    const refused = async (body: unknown, token = s.cashier, id = c.body.id) => (await patch(`/api/customers/${id}`, body, token)).status;
    // a body of only unknown fields names nothing to change (it was a 500 when it reached SQL empty)
    assert.equal(await refused({ foo: 1 }), 400);
    assert.equal(await refused({}), 400);
    assert.equal(await refused({ phone: '12' }), 400);
    assert.equal(await refused({ customer_type: 'Business' }), 400, 'a business needs its name');
    assert.equal(await refused({ phone: '+971 50 987 2222' }), 409);
    assert.equal(await refused({ name: 'X' }, s.terminal), 403);
    assert.equal(await refused({ name: 'X' }, s.cashier, 999_999_999), 404);
    assert.equal((await get(`/api/customers/${c.body.id}`, s.cashier)).body.phone, '+971509873333', 'refusals changed nothing');
    // the same rule for the other PATCH bodies and for a bill's customer reference
    const e = await post('/api/employees', { name: 'Patched' }, s.token);
    assert.equal((await patch(`/api/employees/${e.body.id}`, { foo: 1 }, s.manager)).status, 400);
    const p = await addProduct(s.shopId, 'Hem', 10);
    const bill = await post('/api/bills', { customer: { foo: 1 }, items: [{ product_id: p, quantity: 1 }] }, s.cashier);
    assert.equal(bill.status, 400);
    assert.equal(bill.body.error.details[0].field, 'customer');
  });

  it('lists bill count, total spent and last visit from the aggregates, equal to SQL', async () => {
    const p = await addProduct(s.shopId, 'Suit', 100);
    const e = (await post('/api/employees', { name: 'Rashid', phone: '0501110001', position: 'Master' }, s.manager)).body;
    const b1 = await post('/api/bills', { customer: { phone: '0567778899', name: 'Fatima Hassan' }, employee_id: e.id, items: [{ product_id: p, quantity: 2 }] }, s.cashier);
    await post('/api/bills', { customer: { phone: '0567778899', name: 'Fatima Hassan' }, employee_id: e.id, items: [{ product_id: p, quantity: 1 }] }, s.cashier);
    const b3 = await post('/api/bills', { customer: { phone: '0567778899', name: 'Fatima Hassan' }, items: [{ product_id: p, quantity: 5 }] }, s.cashier);
    await post(`/api/bills/${b3.body.id}/cancel`, { reason: 'test' }, s.manager);
    await settled(s.shopId);
    const c = (await get('/api/customers?search=fatima', s.cashier)).body.items[0];
    assert.equal(c.total_bills, 2);
    assert.equal(c.total_spent, 300);
    assert.ok(c.last_visit, "c.last_visit");
    const emp = (await get(`/api/employees/${e.id}`, s.cashier)).body;
    assert.deepEqual([emp.total_bills, emp.total_sales, emp.avg_bill_value], [2, 300, 150]);
    const perf = (await get(`/api/employees/${e.id}/performance`, s.cashier)).body;
    assert.equal(perf.total_bills, 2);
    assert.equal(perf.revenue, 300);
    assert.equal(perf.top_products[0].quantity, 3);
    // the SQL fallback (no aggregates for the shop) answers the same
    const meta = env().deps.keys.agg(s.shopId).meta;
    const seq = await env().redis.hget(meta, 'seq');
    await env().redis.hdel(meta, 'seq');
    const c2 = (await get('/api/customers?search=fatima', s.cashier)).body.items[0];
    const emp2 = (await get(`/api/employees/${e.id}`, s.cashier)).body;
    await env().redis.hset(meta, 'seq', seq!);
    assert.deepEqual(c2, c);
    assert.deepEqual(emp2, emp);
    const recent = await get('/api/customers/recent?limit=5', s.cashier);
    assert.equal(recent.body.items[0].name, 'Fatima Hassan');
    assert.ok(b1.body.id, "b1.body.id");
  });

  it('keeps the dashboard customer count with creations and deletions', async () => {
    const shop = await newShop();
    const a = await post('/api/customers', { name: 'A', phone: '0521000001' }, shop.cashier);
    await post('/api/customers', { name: 'B', phone: '0521000002' }, shop.cashier);
    assert.equal((await del(`/api/customers/${a.body.id}`, shop.cashier)).status, 403);
    assert.equal((await del(`/api/customers/${a.body.id}`, shop.manager)).status, 204);
    await settled(shop.shopId);
    assert.equal((await get('/api/dashboard', shop.token)).body.customers, 1);
    assert.equal((await get(`/api/customers/${a.body.id}`, shop.cashier)).status, 404);
  });

  it('employees carry bills, sales and average bill from the aggregates; search finds them; recent customers come newest first', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Kameez', 30);
    const hamid = (await post('/api/employees', { name: 'Hamid Saleh', phone: '0503330001' }, shop.token)).body.id;
    const other = (await post('/api/employees', { name: 'Other Master' }, shop.token)).body.id;
    const customers: number[] = [];
    for (const [i, qty] of [1, 2, 4].entries()) {
      const b = await post('/api/bills', { employee_id: hamid, customer: { phone: `050444000${i}`, name: `Walk-in ${i}` }, items: [{ product_id: p, quantity: qty }] }, shop.cashier);
      assert.equal(b.status, 201);
      customers.push(b.body.customer_id);
    }
    await settled(shop.shopId);
    const list = await get('/api/employees?search=hamid', shop.cashier);
    assert.deepEqual(
      list.body.items.map((e: any) => [e.id, e.total_bills, e.total_sales, e.avg_bill_value]),
      [[hamid, 3, 210, 70]],
    );
    assert.deepEqual((await get('/api/employees?search=0503330', shop.cashier)).body.items.map((e: any) => e.id), [hamid]);
    const all = (await get('/api/employees', shop.cashier)).body.items;
    assert.equal(all.find((e: any) => e.id === other)?.total_bills, 0, 'a master without bills is listed with zeros');
    const one = await get(`/api/customers/${customers[0]}`, shop.cashier);
    assert.equal(one.status, 200);
    assert.deepEqual([one.body.name, one.body.phone, one.body.total_bills], ['Walk-in 0', '+971504440000', 1]);
    const recent = await get('/api/customers/recent?limit=2', shop.cashier);
    assert.deepEqual(recent.body.items.map((c: any) => c.id), [customers[2], customers[1]]);
    for (const bad of ['0', '51', 'x']) assert.equal((await get(`/api/customers/recent?limit=${bad}`, shop.cashier)).status, 400);
    // an email already used by any user is refused
    const dup = await post('/api/users', { email: shop.email.toUpperCase(), password: 'secret-123', name: 'Twin', role: 'cashier' }, shop.token);
    assert.equal(dup.status, 409);
  });

  it('employees: managers write, staff read, terminals neither; phones unique among active', async () => {
    const e = await post('/api/employees', { name: 'Anwar', phone: '0502220001' }, s.token);
    assert.equal(e.status, 201);
    assert.equal(e.body.phone, '+971502220001');
    assert.equal((await post('/api/employees', { name: 'Dup', phone: '0502220001' }, s.token)).status, 409);
    assert.equal((await post('/api/employees', { name: 'No' }, s.cashier)).status, 403);
    assert.equal((await get('/api/employees', s.terminal)).status, 403);
    assert.equal((await get('/api/masters', s.terminal)).status, 200);
    assert.equal((await patch(`/api/employees/${e.body.id}`, { position: 'Tailor' }, s.manager)).body.position, 'Tailor');
    assert.equal((await patch(`/api/employees/${e.body.id}`, {}, s.manager)).status, 400);
    assert.equal((await get(`/api/employees/${e.body.id}`, other.token)).status, 404);
    assert.equal((await get(`/api/employees/${e.body.id}/performance?from=2026-02-01&to=2026-01-01`, s.token)).status, 400);
    assert.equal((await del(`/api/employees/${e.body.id}`, s.manager)).status, 204);
    assert.equal((await post('/api/employees', { name: 'Reuse', phone: '0502220001' }, s.token)).status, 201);
    const list = await get('/api/employees?search=anwar', s.cashier);
    assert.equal(list.body.items.length, 0);
  });
});

describe('customers made at the counter', () => {
  it('follow the same rules as POST /api/customers: a blank business name is refused both ways', async () => {
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Alteration', 25);
    const direct = await post('/api/customers', { name: 'Acme', phone: '0501234567', customer_type: 'Business', business_name: '   ' }, s.token);
    assert.equal(direct.status, 400);
    assert.equal(direct.body.error.details[0].field, 'business_name');
    const viaBill = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], customer: { name: 'Acme', phone: '0501234567', customer_type: 'Business', business_name: '   ' } }, s.token);
    assert.equal(viaBill.status, 400);
    assert.equal(viaBill.body.error.details[0].field, 'customer.business_name');
    const ok = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], customer: { name: ' Acme ', phone: '050 123 4567', customer_type: 'Business', business_name: 'Acme LLC' } }, s.token);
    assert.equal(ok.status, 201);
    const found = await get('/api/customers?search=Acme', s.token);
    assert.deepEqual(
      found.body.items.map((c: { name: string; phone: string; business_name: string }) => [c.name, c.phone, c.business_name]),
      [['Acme', '+971501234567', 'Acme LLC']],
    );
  });
});
