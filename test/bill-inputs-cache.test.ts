/**
 * Issue 20: on a warm node a bill is ONE round trip — its write — planned from the inputs the node
 * kept (src/domain/billing/inputs-cache.ts), and the write refuses inputs that are no longer
 * current (SQL bill_inputs_current, migration 0043). Every change below is made by plain SQL on
 * another connection, as another node or a psql session would: nothing tells this node's cache.
 * Statements are counted with the driver's debug hook on a pool of the test's own.
 */
import assert from 'node:assert/strict';
import { createSql, type Sql } from '../src/db/client.ts';
import type { Principal } from '../src/domain/auth/index.ts';
import { type BillInputsCache, createBill, createBillInputsCache } from '../src/domain/billing/index.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct } from './support/fixtures.ts';
import { newShop, put, type ShopSession } from './support/http.ts';

describe('a bill in one round trip on a warm node (issue 20)', function () {
  this.timeout(30_000);
  let s: ShopSession;
  let principal: Principal;
  let kandura: number;
  let master: number;
  let sent: string[] = [];
  let sql: Sql;
  let kept: BillInputsCache;

  before(async () => {
    s = await newShop({ vat_percent: 5 });
    const cfg = { enabled: true, program_name: 'Stars', points_per_unit: 1, point_value: 0.05, min_redeem_points: 1, max_redeem_percent: 50 };
    assert.equal((await put('/api/loyalty/config', cfg, s.manager)).status, 200);
    kandura = await addProduct(s.shopId, 'Kandura', 150);
    master = await addEmployee(s.shopId, 'Rashid');
    principal = await env().deps.auth.authenticate(s.manager);
    sql = createSql(env().config.databaseUrl, { max: 2, debug: (q) => sent.push(q) });
    await sql`select 1`;
  });
  after(() => sql.end());
  beforeEach(() => {
    kept = createBillInputsCache();
  });

  const bill = async (body: Record<string, unknown>, key?: string) => {
    sent = [];
    const r = await createBill(sql, principal, { items: [{ product_id: kandura, quantity: 1 }], ...body } as never, {
      now: new Date(),
      inputs: kept,
      ...(key ? { key } : {}),
    });
    return { r, statements: sent.length, sent: sent.join('\n---\n') };
  };

  it('the first bill reads and writes; the next ones, walk-in or of a known customer, only write', async () => {
    const customer = { phone: '+971502220001', name: 'Aisha' };
    const first = await bill({ customer, employee_id: master });
    assert.equal(first.statements, 2, first.sent);
    const second = await bill({ customer, employee_id: master, items: [{ product_id: kandura, quantity: 2 }] });
    assert.equal(second.statements, 1, second.sent);
    assert.match(second.sent, /bill_inputs_current/);
    // the kept account followed the first bill: points earned on both, none planned again
    assert.equal(second.r.bill.loyalty.available_points, first.r.bill.loyalty.points_earned + second.r.bill.loyalty.points_earned);
    const byId = await bill({ customer: { id: first.r.bill.customer!.id }, employee_id: master });
    assert.equal(byId.statements, 1, byId.sent);
    assert.equal(byId.r.bill.customer!.name, 'Aisha');
    const walkIn = await bill({ employee_id: master });
    assert.equal(walkIn.statements, 1, walkIn.sent);
    assert.equal(walkIn.r.bill.total_amount, 150);
  });

  it('a price, VAT rate or price mode changed elsewhere: the next bill is refused once, read afresh and made on the new figures', async () => {
    await bill({});
    const warm = await bill({});
    assert.equal(warm.statements, 1);

    await env().sql`update products set rate_fils = 16000 where shop_id = ${s.shopId} and id = ${kandura}`;
    const repriced = await bill({});
    assert.equal(repriced.statements, 3, `refused write, read, write:\n${repriced.sent}`);
    assert.equal(repriced.r.bill.items[0]!.rate, 160);
    assert.equal((await bill({})).statements, 1);

    await env().sql`update vat_rates set rate_percent = 10 where shop_id = ${s.shopId}`;
    const vat = await bill({});
    assert.equal(vat.statements, 3, vat.sent);
    assert.equal(vat.r.bill.vat_percent, 10);

    const [before] = await env().sql<{ prices_include_vat: boolean }[]>`select prices_include_vat from shop_settings where shop_id = ${s.shopId}`;
    await env().sql`update shop_settings set prices_include_vat = ${!before!.prices_include_vat} where shop_id = ${s.shopId}`;
    const mode = await bill({});
    assert.equal(mode.statements, 3, mode.sent);
    assert.equal(mode.r.bill.total_amount, before!.prices_include_vat ? 176 : 160);
    await env().sql`update shop_settings set prices_include_vat = ${before!.prices_include_vat} where shop_id = ${s.shopId}`;
    await env().sql`update vat_rates set rate_percent = 5 where shop_id = ${s.shopId}`;
    await env().sql`update products set rate_fils = 15000 where shop_id = ${s.shopId} and id = ${kandura}`;
  });

  it('a product or employee withdrawn elsewhere is refused on the rows as they are now', async () => {
    const extra = await addProduct(s.shopId, 'Abaya', 90);
    const temp = await addEmployee(s.shopId, 'Temp');
    await bill({ items: [{ product_id: extra, quantity: 1 }], employee_id: temp });
    await env().sql`update products set active = false where shop_id = ${s.shopId} and id = ${extra}`;
    await assert.rejects(bill({ items: [{ product_id: extra, quantity: 1 }] }), (e: { status?: number }) => e.status === 422);
    await env().sql`update employees set active = false where shop_id = ${s.shopId} and id = ${temp}`;
    await assert.rejects(bill({ employee_id: temp }), (e: { status?: number }) => e.status === 422);
    // kept as missing, refused again from a fresh read: reactivated, it sells at once
    await env().sql`update products set active = true where shop_id = ${s.shopId} and id = ${extra}`;
    const back = await bill({ items: [{ product_id: extra, quantity: 1 }] });
    assert.equal(back.r.bill.items[0]!.product_name, 'Abaya');
  });

  it("a shop's default master no longer active is skipped, and the bills stay one statement", async () => {
    const gone = await addEmployee(s.shopId, 'Former');
    await env().sql`update employees set active = false where shop_id = ${s.shopId} and id = ${gone}`;
    await env().sql`update shop_settings set billing_config = billing_config || ${env().sql.json({ default_employee_id: gone })} where shop_id = ${s.shopId}`;
    try {
      await bill({});
      const next = await bill({});
      assert.equal(next.statements, 1, next.sent);
      assert.equal(next.r.bill.employee_id, null);
    } finally {
      await env().sql`update shop_settings set billing_config = billing_config - 'default_employee_id' where shop_id = ${s.shopId}`;
    }
  });

  it("a customer renamed, or its account moved by another node's bill, is refused once and billed on the rows as they are", async () => {
    const customer = { phone: '+971502220002', name: 'Omar' };
    const first = await bill({ customer });
    const id = first.r.bill.customer!.id;
    await env().sql`update customers set name = 'Omar Saeed' where shop_id = ${s.shopId} and id = ${id}`;
    const renamed = await bill({ customer: { id } });
    assert.equal(renamed.statements, 3, renamed.sent);
    assert.equal(renamed.r.bill.customer!.name, 'Omar Saeed');

    await env().sql`update loyalty_accounts set available_points = available_points + 500, lifetime_points = lifetime_points + 500 where shop_id = ${s.shopId} and customer_id = ${id}`;
    const [acc] = await env().sql<{ available_points: number }[]>`select available_points from loyalty_accounts where shop_id = ${s.shopId} and customer_id = ${id}`;
    const redeemed = await bill({ customer: { id }, redeem_points: 400 });
    assert.equal(redeemed.r.bill.loyalty.points_redeemed, 400);
    assert.equal(redeemed.r.bill.loyalty.available_points, acc!.available_points - 400 + redeemed.r.bill.loyalty.points_earned);
  });

  it('an Idempotency-Key sent again is answered by the one statement, with the first answer', async () => {
    await bill({});
    const key = `kept-${Date.now()}`;
    const made = await bill({}, key);
    assert.equal(made.statements, 1, made.sent);
    const again = await bill({}, key);
    assert.equal(again.statements, 1, again.sent);
    assert.equal(again.r.replayed, true);
    assert.deepEqual(again.r.bill, made.r.bill);
  });

  it('a bill can be the first statement of a new pool (no parameter needs the types fetched first)', async () => {
    const fresh = createSql(env().config.databaseUrl, { max: 1 });
    try {
      const r = await createBill(fresh, principal, { items: [{ product_id: kandura, quantity: 1 }] } as never, { now: new Date(), inputs: createBillInputsCache() });
      assert.equal(r.bill.items.length, 1);
    } finally {
      await fresh.end();
    }
  });

  it('kept inputs are per shop: another shop with the same product ids never uses them', async () => {
    await bill({});
    const other = await newShop({ vat_percent: 5 });
    const otherPrincipal = await env().deps.auth.authenticate(other.manager);
    const product = await addProduct(other.shopId, 'Other', 30);
    sent = [];
    const r = await createBill(sql, otherPrincipal, { items: [{ product_id: product, quantity: 1 }] } as never, { now: new Date(), inputs: kept });
    assert.equal(sent.length, 2);
    assert.equal(r.bill.total_amount, 30);
    await assert.rejects(
      createBill(sql, otherPrincipal, { items: [{ product_id: kandura, quantity: 1 }] } as never, { now: new Date(), inputs: kept }),
      (e: { status?: number }) => e.status === 422,
    );
  });
});
