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
import { addPayment, type BillInputsCache, cancelBill, createBill, createBillInputsCache } from '../src/domain/billing/index.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
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

  describe('a payment and a cancellation in one round trip (migration 0044)', () => {
    const pay = async (billId: number, body: { amount: number; method: string }, opts: { key?: string; as?: Principal } = {}) => {
      sent = [];
      const r = await addPayment(sql, opts.as ?? principal, billId, body, new Date(), { inputs: kept, ...(opts.key ? { key: opts.key } : {}) });
      return { r, statements: sent.length, sent: sent.join('\n---\n') };
    };
    const rejected = (code: string) => (e: { status?: number; code?: string; details?: unknown }) => e.status === 422 && JSON.stringify(e).includes(code);

    it('a bill this node made takes its payments in one statement each, to the fils', async () => {
      const made = await bill({});
      const total = made.r.bill.total_amount;
      const first = await pay(made.r.bill.id, { amount: 10, method: 'Cash' });
      assert.equal(first.statements, 1, first.sent);
      assert.match(first.sent, /kept_settings_current/);
      assert.equal(first.r.bill.status, 'Partial');
      assert.equal(first.r.bill.paid, 10);
      const rest = Math.round((total - 10) * 100) / 100;
      const second = await pay(made.r.bill.id, { amount: rest, method: 'Card' });
      assert.equal(second.statements, 1, second.sent);
      assert.equal(second.r.bill.status, 'Paid');
      assert.equal(second.r.bill.balance, 0);
      const [row] = await env().sql<{ paid_fils: number; n: number }[]>`
        select b.paid_fils, (select count(*)::int from payments where bill_id = b.id) as n from bills b where b.id = ${made.r.bill.id}`;
      assert.deepEqual(row, { paid_fils: Math.round(total * 100), n: 2 });
    });

    it('a payment taken elsewhere meanwhile: refused under lock, read afresh, decided on the real balance', async () => {
      const made = await bill({});
      const total = made.r.bill.total_amount;
      // another node (no kept inputs) takes most of the balance
      await addPayment(env().sql, principal, made.r.bill.id, { amount: total - 5, method: 'Cash' } as never, new Date());
      const over = await pay(made.r.bill.id, { amount: 6, method: 'Cash' }).catch((e) => e);
      assert.ok(rejected('overpayment')(over), JSON.stringify(over));
      const exact = await pay(made.r.bill.id, { amount: 5, method: 'Cash' });
      assert.equal(exact.statements, 2, `read, write:\n${exact.sent}`);
      assert.equal(exact.r.bill.status, 'Paid');
    });

    it('payment methods changed elsewhere: the kept ones are not trusted, the method is refused afresh', async () => {
      const made = await bill({});
      await env().sql`update shop_settings set payment_methods = array['Cash'] where shop_id = ${s.shopId}`;
      try {
        sent = [];
        await assert.rejects(addPayment(sql, principal, made.r.bill.id, { amount: 1, method: 'Card' } as never, new Date(), { inputs: kept }), rejected('unknown_payment_method'));
        assert.equal(sent.length, 2, `refused by kept_settings_current, then the read:\n${sent.join('\n---\n')}`);
        assert.equal(await env().sql`select 1 from payments where bill_id = ${made.r.bill.id}`.then((r) => r.length), 0);
      } finally {
        await env().sql`update shop_settings set payment_methods = array['Cash','Card','Bank Transfer','Cheque','Other'] where shop_id = ${s.shopId}`;
      }
    });

    it('a bill cancelled elsewhere is refused as cancelled; a replayed key answers as the first time', async () => {
      const made = await bill({});
      const once = await pay(made.r.bill.id, { amount: 3, method: 'Cash' }, { key: 'pay-once' });
      assert.equal(once.statements, 1, once.sent);
      const again = await pay(made.r.bill.id, { amount: 3, method: 'Cash' }, { key: 'pay-once' });
      assert.equal(again.r.replayed, true);
      assert.deepEqual(again.r.bill, once.r.bill);
      await cancelBill(env().sql, principal, made.r.bill.id, 'test', new Date());
      await assert.rejects(pay(made.r.bill.id, { amount: 1, method: 'Cash' }), rejected('bill_cancelled'));
      // the payment of 3 and its refund by the cancellation; nothing of the refused 1
      assert.equal(await env().sql`select 1 from payments where bill_id = ${made.r.bill.id} and amount_fils = 100`.then((r) => r.length), 0);
    });

    it("a terminal pays only its own bills, kept or not; another shop never uses this one's kept bills", async () => {
      const made = await bill({});
      const terminal = await env().deps.auth.authenticate(s.terminal);
      await assert.rejects(pay(made.r.bill.id, { amount: 1, method: 'Cash' }, { as: terminal }), (e: { status?: number }) => e.status === 404);
      sent = [];
      const own = await createBill(sql, terminal, { items: [{ product_id: kandura, quantity: 1 }] } as never, { now: new Date(), inputs: kept });
      const paid = await pay(own.bill.id, { amount: 2, method: 'Cash' }, { as: terminal });
      assert.equal(paid.statements, 1, paid.sent);
      const other = await newShop({ vat_percent: 5 });
      const otherPrincipal = await env().deps.auth.authenticate(other.manager);
      await assert.rejects(pay(made.r.bill.id, { amount: 1, method: 'Cash' }, { as: otherPrincipal }), (e: { status?: number }) => e.status === 404);
      assert.equal(await env().sql`select 1 from payments where bill_id = ${made.r.bill.id}`.then((r) => r.length), 0);
    });

    it('a bill this node made and paid is cancelled in one statement: refunds, loyalty and figures as from a fresh read', async () => {
      const customer = { phone: '+971502220077', name: 'Mariam' };
      const [before] = await env().sql<{ available_points: number; lifetime_points: number }[]>`
        select a.available_points, a.lifetime_points from loyalty_accounts a join customers c on c.id = a.customer_id
        where c.shop_id = ${s.shopId} and c.phone = ${customer.phone}`;
      await bill({ customer, employee_id: master }); // reads, keeps the customer and the tiers
      const made = await bill({ customer, employee_id: master, payments: [{ amount: 20, method: 'Card' }] });
      assert.equal(made.statements, 1, made.sent);
      const paid = await pay(made.r.bill.id, { amount: 30, method: 'Cash' });
      assert.equal(paid.statements, 1, paid.sent);
      sent = [];
      const cancelled = await cancelBill(sql, principal, made.r.bill.id, 'customer changed mind', new Date(), { inputs: kept });
      assert.equal(sent.length, 1, sent.join('\n---\n'));
      assert.match(sent[0]!, /kept_settings_current/);
      assert.equal(cancelled.bill.status, 'Cancelled');
      const refunds = await env().sql<{ method: string; amount_fils: number }[]>`
        select method, amount_fils::int from payments where bill_id = ${made.r.bill.id} and amount_fils < 0 order by method`;
      assert.deepEqual([...refunds], [
        { method: 'Card', amount_fils: -2000 },
        { method: 'Cash', amount_fils: -3000 },
      ]);
      // the account is as the first bill left it: this bill's points taken back
      const [after] = await env().sql<{ available_points: number; lifetime_points: number }[]>`
        select a.available_points, a.lifetime_points from loyalty_accounts a join customers c on c.id = a.customer_id
        where c.shop_id = ${s.shopId} and c.phone = ${customer.phone}`;
      assert.equal(before, undefined, 'a new customer');
      const first = await env().sql<{ points_earned: number }[]>`
        select points_earned from bills where shop_id = ${s.shopId} and customer_phone = ${customer.phone} and status <> 'Cancelled'`;
      assert.equal(after!.lifetime_points, first.reduce((a, b) => a + b.points_earned, 0));
      // the event reverses the figures exactly: Redis equals SQL
      await settled(s.shopId);
      const v = await verifyShop(env().sql, env().redis, env().deps.keys, s.shopId);
      assert.equal(v.error, undefined);
      assert.deepEqual(v.differences, []);
      // kept as cancelled: cancelling again is decided on a fresh read
      await assert.rejects(cancelBill(sql, principal, made.r.bill.id, 'again', new Date(), { inputs: kept }), (e: { status?: number }) => e.status === 409);
      // the account the cancellation moved is not kept as it was: the customer's next bill reads it
      // afresh (read, write), never refused under lock first, and earns on the account as it is
      const next = await bill({ customer, employee_id: master });
      assert.equal(next.statements, 2, `read, write:\n${next.sent}`);
      const [account] = await env().sql<{ lifetime_points: number; earned: number }[]>`
        select a.lifetime_points, (select points_earned from bills where id = ${next.r.bill.id}) as earned
        from loyalty_accounts a join customers c on c.id = a.customer_id
        where c.shop_id = ${s.shopId} and c.phone = ${customer.phone}`;
      assert.ok(account!.earned > 0, 'the bill earned points');
      assert.equal(account!.lifetime_points, after!.lifetime_points + account!.earned);
    });

    it('a payment taken elsewhere before the cancellation: refused under lock, read afresh, every payment refunded', async () => {
      const made = await bill({ payments: [{ amount: 10, method: 'Cash' }] });
      await addPayment(env().sql, principal, made.r.bill.id, { amount: 7, method: 'Cheque' } as never, new Date());
      sent = [];
      const cancelled = await cancelBill(sql, principal, made.r.bill.id, 'elsewhere', new Date(), { inputs: kept });
      assert.equal(sent.length, 3, `refused write, read, write:\n${sent.join('\n---\n')}`);
      assert.equal(cancelled.bill.status, 'Cancelled');
      const refunds = await env().sql<{ method: string; amount_fils: number }[]>`
        select method, amount_fils::int from payments where bill_id = ${made.r.bill.id} and amount_fils < 0 order by method`;
      assert.deepEqual([...refunds], [
        { method: 'Cash', amount_fils: -1000 },
        { method: 'Cheque', amount_fils: -700 },
      ]);
    });
  });
});
