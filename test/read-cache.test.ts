import assert from 'node:assert/strict';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { get, newShop, patch, post, type ShopSession } from './support/http.ts';
import { startOwnService } from './support/service.ts';

/** The node's read-cache counter for a route and result, from its /metrics. */
async function cacheCount(base: string, route: string, result: 'hit' | 'miss' | 'bypass'): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`tajir_read_cache_total{route="${route}",result="${result}"}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

const getAt = async (base: string, path: string, token: string) => {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: (await res.json()) as any };
};

const rateOf = (list: any, id: number) => list.items.find((p: any) => p.id === id)?.rate;

describe('read cache: list answers kept per node, exact', () => {
  let s: ShopSession;
  before(async () => {
    s = await newShop();
  });

  it('serves a repeated products read from the cache, and a price change at once on every node', async function () {
    this.timeout(60_000);
    const other = await startOwnService('read-cache', { ROLES: 'api' });
    try {
      const id = await addProduct(s.shopId, 'Kandura wash', 10);
      const nodes = [env().baseUrl, other.url];
      for (const base of nodes) assert.equal(rateOf((await getAt(base, '/api/products?per_page=50', s.manager)).body, id), 10);
      const hits = await cacheCount(env().baseUrl, '/api/products', 'hit');
      for (const base of nodes) assert.equal(rateOf((await getAt(base, '/api/products?per_page=50', s.manager)).body, id), 10);
      assert.equal(await cacheCount(env().baseUrl, '/api/products', 'hit'), hits + 1, 'the second read was a hit');

      // through the API on one node, read at once on both
      assert.equal((await patch(`/api/products/${id}`, { rate: 12.5 }, s.token)).status, 200);
      for (const base of nodes) assert.equal(rateOf((await getAt(base, '/api/products?per_page=50', s.manager)).body, id), 12.5);
      // and by any other writer (psql, a migration): the trigger moves the version, not the route
      await env().sql`update products set rate_fils = 1375 where id = ${id}`;
      for (const base of nodes) assert.equal(rateOf((await getAt(base, '/api/products?per_page=50', s.manager)).body, id), 13.75);
      // a type rename is part of the catalogue too
      await env().sql`update product_types set name = 'Renamed' where shop_id = ${s.shopId}`;
      const renamed = (await getAt(other.url, '/api/products?per_page=50', s.manager)).body;
      assert.equal(renamed.items.find((p: any) => p.id === id).type_name, 'Renamed');
    } finally {
      other.child.kill('SIGKILL');
    }
  });

  it('keys answers by shop and role: the counter never gets a manager’s list, nor one shop another’s', async () => {
    const t = await newShop();
    const hidden = await addProduct(t.shopId, 'Not for sale', 5);
    await env().sql`update products set active = false where id = ${hidden}`;
    const ids = async (token: string) => ((await get('/api/products?per_page=100', token)).body.items as any[]).map((p) => p.id);
    assert.ok((await ids(t.manager)).includes(hidden));
    assert.ok((await ids(t.manager)).includes(hidden));
    assert.ok(!(await ids(t.cashier)).includes(hidden), 'cashier after a cached manager read');
    assert.ok(!(await ids(t.terminal)).includes(hidden), 'terminal after a cached manager read');
    // same query, same role, other shop
    assert.ok(!(await ids(s.manager)).includes(hidden));
  });

  it('shows a new bill, a payment and a cancellation in the very next bills read', async () => {
    const t = await newShop();
    const product = await addProduct(t.shopId, 'Iron', 20);
    const list = async () => (await get('/api/bills?per_page=20', t.manager)).body;
    assert.equal((await list()).total, 0);
    assert.equal((await list()).total, 0);
    const bill = await post('/api/bills', { customer: { phone: '0501112233', name: 'Aisha' }, items: [{ product_id: product, quantity: 1 }] }, t.cashier);
    assert.equal(bill.status, 201, JSON.stringify(bill.body));
    let page = await list();
    assert.equal(page.total, 1);
    assert.equal(page.items[0].paid, 0);
    assert.equal((await post(`/api/bills/${bill.body.id}/payments`, { amount: 5, method: 'Cash' }, t.cashier)).status, 201);
    page = await list();
    assert.equal(page.items[0].paid, 5);
    assert.equal((await post(`/api/bills/${bill.body.id}/cancel`, { reason: 'changed mind' }, t.token)).status, 200);
    page = await list();
    assert.equal(page.items[0].status, 'Cancelled');
  });

  it('customers: an edit is read at once, figures follow the aggregates, and nothing is cached while they rebuild', async () => {
    const t = await newShop();
    const product = await addProduct(t.shopId, 'Dry clean', 30);
    const made = await post('/api/customers', { name: 'Fatima', phone: '0504445566' }, t.cashier);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    await settled(t.shopId);
    const mine = async () => ((await get('/api/customers?per_page=50', t.manager)).body.items as any[]).find((c) => c.id === made.body.id);
    assert.equal((await mine()).name, 'Fatima');
    assert.equal((await mine()).name, 'Fatima');
    assert.equal((await patch(`/api/customers/${made.body.id}`, { name: 'Fatima Ali' }, t.cashier)).status, 200);
    assert.equal((await mine()).name, 'Fatima Ali');

    const bill = await post('/api/bills', { customer: { id: made.body.id }, items: [{ product_id: product, quantity: 2 }] }, t.cashier);
    assert.equal(bill.status, 201, JSON.stringify(bill.body));
    await settled(t.shopId);
    const after = await mine();
    assert.equal(after.total_bills, 1);
    assert.equal(after.total_spent, bill.body.total_amount);

    // aggregates gone (a Redis restart): answers still come, read afresh each time, none kept
    const bypassed = await cacheCount(env().baseUrl, '/api/customers', 'bypass');
    await env().redis.hdel(env().deps.keys.agg(t.shopId).meta, 'seq');
    assert.equal((await get('/api/customers?per_page=50', t.manager)).status, 200);
    assert.ok((await cacheCount(env().baseUrl, '/api/customers', 'bypass')) > bypassed);
    await settled(t.shopId, 20_000); // the aggregator's sweep puts them back
    assert.equal((await mine()).total_bills, 1);
  });

  it('moves a version once per transaction, and bills racing cancellations of one customer never deadlock', async function () {
    this.timeout(60_000);
    const t = await newShop();
    const version = async (section: string) =>
      (await env().sql<{ version: number }[]>`select version from read_versions where shop_id = ${t.shopId} and section = ${section}`)[0]?.version ?? 0;
    const before = await version('customers');
    await env().sql`
      insert into customers (shop_id, name, phone)
      select ${t.shopId}, 'Bulk ' || g, '+97150' || lpad(g::text, 7, '0') from generate_series(1, 1000) g`;
    assert.equal(await version('customers'), before + 1);

    const product = await addProduct(t.shopId, 'Press', 10);
    const sell = () => post('/api/bills', { customer: { phone: '0507778899', name: 'Omar' }, items: [{ product_id: product, quantity: 1 }] }, t.cashier);
    const first = await Promise.all(Array.from({ length: 8 }, sell));
    assert.ok(first.every((r) => r.status === 201), JSON.stringify(first.map((r) => r.body)));
    // new bills of the customer beside cancellations of the customer's bills: loyalty rows, bill
    // rows, the event counter and the version rows all taken at once
    const mixed = await Promise.all([
      ...first.map((b) => post(`/api/bills/${b.body.id}/cancel`, { reason: 'race' }, t.token)),
      ...Array.from({ length: 8 }, sell),
    ]);
    const bad = mixed.filter((r) => r.status >= 500);
    assert.equal(bad.length, 0, JSON.stringify(bad.map((r) => r.body)));
    // a write that lost every re-plan answers 409 (and changed nothing); the list counts exactly the rest
    const sold = mixed.slice(8).filter((r) => r.status === 201).length;
    const cancelled = mixed.slice(0, 8).filter((r) => r.status === 200).length;
    assert.ok(sold > 0 && cancelled > 0, `${sold} sold, ${cancelled} cancelled`);
    const page = (await get('/api/bills?per_page=50', t.manager)).body;
    assert.equal(page.total, 8 + sold);
    assert.equal(page.items.filter((b: any) => b.status === 'Cancelled').length, cancelled);
  });

  it('moves each shop once per transaction with shops interleaved, and leaves no setting per shop on the connection (0045)', async () => {
    const [a, b] = [await newShop(), await newShop()];
    const version = async (shopId: number) =>
      (await env().sql<{ version: number }[]>`select version from read_versions where shop_id = ${shopId} and section = 'customers'`)[0]?.version ?? 0;
    const versions = async () => [await version(a.shopId), await version(b.shopId)];
    const before = await versions();
    const conn = await env().sql.reserve();
    try {
      // a, b, a, b: the "last bumped" shortcut misses every time, and the row's bumped_by holds
      await conn`begin`;
      for (const [i, shop] of [a, b, a, b].entries()) await conn`insert into customers (shop_id, name, phone) values (${shop.shopId}, 'Mixed', ${`+97150999000${i}`})`;
      await conn`commit`;
      assert.deepEqual(await versions(), before.map((v) => v + 1));
      // 0042 left a placeholder setting per shop on the backend for its whole life (PostgreSQL
      // before 16 sorts them all on each new one): a name that was never set reads as null
      const [left] = await conn<{ a: string | null; b: string | null }[]>`
        select current_setting(${`tajir_read_version.customers_${a.shopId}`}, true) as a, current_setting(${`tajir_read_version.customers_${b.shopId}`}, true) as b`;
      assert.deepEqual(left, { a: null, b: null });
    } finally {
      conn.release();
    }
  });

  it('is off with READ_CACHE_MB=0: every read goes to the database', async function () {
    this.timeout(60_000);
    const off = await startOwnService('read-cache-off', { ROLES: 'api', READ_CACHE_MB: '0' });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await getAt(off.url, '/api/products', s.manager)).status, 200);
      assert.equal(await cacheCount(off.url, '/api/products', 'hit'), 0);
      assert.equal(await cacheCount(off.url, '/api/products', 'miss'), 0);
    } finally {
      off.child.kill('SIGKILL');
    }
  });
});
