/** Idempotency keys belong to the principal that sent them, and the worker purges them after 48 h. */
import assert from 'node:assert/strict';
import { handler as tick } from '../src/workers/jobs/schedule-tick.ts';
import { env } from './support/env.ts';
import { addProduct } from './support/fixtures.ts';
import { newShop, post, type ShopSession } from './support/http.ts';

describe('idempotency keys', function () {
  this.timeout(30_000);
  let s: ShopSession;
  let product: number;
  const body = () => ({ items: [{ product_id: product, quantity: 1 }] });
  const bills = async () => (await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${s.shopId}`)[0]!.n;

  before(async () => {
    s = await newShop();
    product = await addProduct(s.shopId, 'Kandura', 150);
  });

  it('two terminals of one shop sending the same key get two bills', async () => {
    const second = await post('/api/terminals', { name: 'Counter 2' }, s.manager);
    assert.equal(second.status, 201);
    const key = 'bill-1'; // two devices that both count from 1
    const before = await bills();
    const [a, b] = await Promise.all([
      post('/api/bills', body(), s.terminal, { 'idempotency-key': key }),
      post('/api/bills', body(), second.body.token, { 'idempotency-key': key }),
    ]);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(b.status, 201, JSON.stringify(b.body));
    assert.notEqual(a.body.id, b.body.id);
    assert.equal(a.headers.get('idempotent-replayed'), null);
    assert.equal(b.headers.get('idempotent-replayed'), null);
    // a user of the same shop with the same key is a third principal
    const c = await post('/api/bills', body(), s.cashier, { 'idempotency-key': key });
    assert.equal(c.status, 201);
    assert.ok(![a.body.id, b.body.id].includes(c.body.id), 'the user gets a bill of its own');
    assert.equal(await bills(), before + 3);
  });

  it('the same principal retrying gets the first bill back with Idempotent-Replayed: true', async () => {
    const key = `retry-${Date.now()}`;
    const before = await bills();
    const first = await post('/api/bills', body(), s.terminal, { 'idempotency-key': key });
    const again = await post('/api/bills', body(), s.terminal, { 'idempotency-key': key });
    assert.equal(first.status, 201);
    assert.equal(again.status, 201);
    assert.equal(again.body.id, first.body.id);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    assert.equal(await bills(), before + 1);
  });

  it('the same key sent eight times at once makes one bill, and one payment; the key row holds the answer', async () => {
    const { sql } = env();
    const key = `burst-${Date.now()}`;
    const before = await bills();
    const sent = await Promise.all(Array.from({ length: 8 }, () => post('/api/bills', body(), s.terminal, { 'idempotency-key': key })));
    for (const r of sent) assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(new Set(sent.map((r) => r.body.id)).size, 1, 'every answer is the one bill');
    assert.equal(sent.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1, 'one made it, seven replayed it');
    assert.equal(await bills(), before + 1);
    const [row] = await sql<{ status: number; number: string }[]>`
      select status, response->'bill_rows'->'bill'->>'bill_number' as number from idempotency_keys
      where shop_id = ${s.shopId} and principal_kind = 'terminal' and key = ${key}`;
    assert.deepEqual(row, { status: 201, number: sent[0]!.body.bill_number });

    const billId = sent[0]!.body.id as number;
    const payKey = `${key}-pay`;
    const paid = await Promise.all(Array.from({ length: 8 }, () => post(`/api/bills/${billId}/payments`, { amount: 10, method: 'Cash' }, s.terminal, { 'idempotency-key': payKey })));
    for (const r of paid) assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(paid.filter((r) => r.headers.get('idempotent-replayed') === null).length, 1);
    const [n] = await sql<{ n: number }[]>`select count(*)::int as n from payments where shop_id = ${s.shopId} and bill_id = ${billId}`;
    assert.equal(n!.n, 1, 'one payment (the bill was made without any)');
    // the same key for another request is refused, and changes nothing
    const reused = await post(`/api/bills/${billId}/payments`, { amount: 5, method: 'Cash' }, s.terminal, { 'idempotency-key': payKey });
    assert.equal(reused.status, 422, JSON.stringify(reused.body));
  });

  it('the minute tick purges keys older than 48 h in chunks and keeps younger ones', async () => {
    const { sql, deps } = env();
    const now = env().clock.now();
    const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
    // more than two 5,000-row chunks of old keys, and keys just inside the window
    await sql`
      insert into idempotency_keys (shop_id, principal_kind, principal_id, key, route, request_hash, status, response, created_at)
      select ${s.shopId}, 'terminal', ${s.terminalId}, 'old-' || g, 'POST /api/bills', 'h', 201, '{}'::jsonb, ${hoursAgo(49)}
      from generate_series(1, 12000) g`;
    await sql`
      insert into idempotency_keys (shop_id, principal_kind, principal_id, key, route, request_hash, status, response, created_at)
      values (${s.shopId}, 'terminal', ${s.terminalId}, 'young', 'POST /api/bills', 'h', 201, '{}'::jsonb, ${hoursAgo(47)})`;
    const result = await tick({ sql, jobs: { enqueueReport: async () => {} }, log: deps.log, clock: deps.clock })({ data: { now: now.getTime() } } as never);
    assert.ok(result.keys >= 12000, JSON.stringify(result));
    const left = await sql<{ key: string }[]>`
      select key from idempotency_keys where shop_id = ${s.shopId} and principal_kind = 'terminal' and (key like 'old-%' or key = 'young')`;
    assert.deepEqual(left.map((k) => k.key), ['young']);
  });
});
