/**
 * Issue 20: without kept inputs (a cold node; test/bill-inputs-cache.test.ts has the warm one) a
 * bill costs two round trips — one statement reads what its plan needs (with the
 * Idempotency-Key's stored answer), one statement writes it — and no BEGIN or COMMIT. Counted
 * with the driver's debug hook on a pool of the test's own: a count, not a timing.
 */
import assert from 'node:assert/strict';
import { createSql, type Sql } from '../src/db/client.ts';
import type { Principal } from '../src/domain/auth/index.ts';
import { addPayment, cancelBill, createBill } from '../src/domain/billing/index.ts';
import { tierFor, tierSpan } from '../src/domain/loyalty/tier-rule.ts';
import { env } from './support/env.ts';
import { addProduct } from './support/fixtures.ts';
import { newShop, put, type ShopSession } from './support/http.ts';

describe('a bill in one round trip (issue 20)', function () {
  this.timeout(30_000);
  let s: ShopSession;
  let principal: Principal;
  let products: number[];
  let sent: string[] = [];
  let sql: Sql;

  before(async () => {
    s = await newShop();
    const cfg = { enabled: true, program_name: 'Stars', points_per_unit: 2, point_value: 0.05, min_redeem_points: 1, max_redeem_percent: 50 };
    assert.equal((await put('/api/loyalty/config', cfg, s.manager)).status, 200);
    products = [await addProduct(s.shopId, 'Kandura', 150), await addProduct(s.shopId, 'Shirt', 20)];
    principal = await env().deps.auth.authenticate(s.manager);
    sql = createSql(env().config.databaseUrl, { max: 2, debug: (q) => sent.push(q) });
    // the pool's first connection fetches its types: not the bill's
    await sql`select 1`;
  });
  after(() => sql.end());

  const count = async <T>(fn: () => Promise<T>): Promise<{ r: T; statements: string[] }> => {
    sent = [];
    const r = await fn();
    return { r, statements: sent };
  };
  const body = (phone: string) => ({
    customer: { phone, name: 'Fatima' },
    employee_id: undefined,
    items: [
      { product_id: products[0]!, quantity: 2 },
      { product_id: products[1]!, quantity: 1, discount_percent: 10 },
    ],
    payments: [{ method: 'Cash', amount: 100 }],
  });

  it('a bill with a new customer, loyalty, lines, a payment and an Idempotency-Key: two statements, no transaction statements', async () => {
    const key = `rt-${Date.now()}`;
    const { r, statements } = await count(() => createBill(sql, principal, body('+971501234001'), { now: new Date(), key }));
    assert.equal(r.replayed, false);
    assert.equal(r.bill.items.length, 2);
    assert.equal(r.bill.payments.length, 1);
    assert.ok(r.bill.loyalty.points_earned > 0);
    assert.equal(statements.length, 2, statements.join('\n---\n'));
    assert.match(statements[1]!, /bill_write/);
    assert.ok(!statements.some((q) => /^\s*(begin|commit)/i.test(q)), 'no BEGIN or COMMIT');
    // the event row and the key's answer were written by that one statement
    const [ev] = await env().sql<{ n: number }[]>`select count(*)::int as n from events where shop_id = ${s.shopId} and kind = 'bill_created' and entity_id = ${r.bill.id}`;
    assert.equal(ev!.n, 1);

    // the retry is answered by the read alone, with the same body
    const again = await count(() => createBill(sql, principal, body('+971501234001'), { now: new Date(), key }));
    assert.equal(again.r.replayed, true);
    assert.deepEqual(again.r.bill, r.bill);
    assert.equal(again.statements.length, 1);
  });

  it('a bill of a known customer without a key: two statements', async () => {
    await createBill(sql, principal, body('+971501234002'), { now: new Date() });
    const { statements } = await count(() => createBill(sql, principal, body('+971501234002'), { now: new Date() }));
    assert.equal(statements.length, 2, statements.join('\n---\n'));
  });

  it("another bill's points landing between the read and the write do not make the bill plan again", async () => {
    const phone = '+971501234003';
    const first = await createBill(sql, principal, body(phone), { now: new Date() });
    const customerId = first.bill.customer!.id;
    const { r, statements } = await count(() =>
      createBill(sql, principal, { ...body(phone), redeem_points: 10 }, {
        now: new Date(),
        beforeWrite: async () => {
          await env().sql`update loyalty_accounts set available_points = available_points + 1000 where shop_id = ${s.shopId} and customer_id = ${customerId}`;
        },
      }),
    );
    assert.equal(statements.length, 2);
    const [a] = await env().sql<{ available_points: number }[]>`
      select available_points from loyalty_accounts where shop_id = ${s.shopId} and customer_id = ${customerId}`;
    assert.equal(a!.available_points, first.bill.loyalty.available_points + 1000 - 10 + r.bill.loyalty.points_earned);
    assert.equal(r.bill.loyalty.available_points, a!.available_points);
  });

  it('a tier moved between the read and the write: the bill is planned again on the tier the account holds', async () => {
    const phone = '+971501234004';
    const first = await createBill(sql, principal, body(phone), { now: new Date() });
    const customerId = first.bill.customer!.id;
    const [top] = await env().sql<{ id: number; name: string; threshold_points: number; multiplier: number }[]>`
      select id, name, threshold_points, multiplier from loyalty_tiers where shop_id = ${s.shopId} order by threshold_points desc limit 1`;
    let moved = false;
    const { r, statements } = await count(() =>
      createBill(sql, principal, body(phone), {
        now: new Date(),
        beforeWrite: async () => {
          if (moved) return;
          moved = true;
          await env().sql`
            update loyalty_accounts set lifetime_points = ${top!.threshold_points}, tier_id = ${top!.id}
            where shop_id = ${s.shopId} and customer_id = ${customerId}`;
        },
      }),
    );
    assert.equal(statements.length, 4, 'read, refused write, read, write');
    assert.equal(r.bill.loyalty.tier, top!.name);
    // earned with the top tier's multiplier: 2 points per unit on the total
    assert.equal(r.bill.loyalty.points_earned, Math.floor(r.bill.total_amount * 2 * top!.multiplier));
  });

  it('a payment with an Idempotency-Key and a cancellation: two statements each; a retried payment one', async () => {
    const made = await createBill(sql, principal, { ...body('+971501234005'), payments: [] }, { now: new Date() });
    const key = `pay-${Date.now()}`;
    const pay = await count(() => addPayment(sql, principal, made.bill.id, { method: 'Card', amount: 10 }, new Date(), { key }));
    assert.equal(pay.r.bill.paid, 10);
    assert.equal(pay.statements.length, 2, pay.statements.join('\n---\n'));
    assert.match(pay.statements[1]!, /payment_write/);
    const again = await count(() => addPayment(sql, principal, made.bill.id, { method: 'Card', amount: 10 }, new Date(), { key }));
    assert.deepEqual([again.r.replayed, again.r.bill, again.statements.length], [true, pay.r.bill, 1]);

    const cancel = await count(() => cancelBill(sql, principal, made.bill.id, 'wrong customer', new Date()));
    assert.equal(cancel.r.bill.status, 'Cancelled');
    assert.equal(cancel.statements.length, 2, cancel.statements.join('\n---\n'));
    assert.match(cancel.statements[1]!, /cancel_write/);
    assert.ok(![...pay.statements, ...cancel.statements].some((q) => /^\s*(begin|commit)/i.test(q)), 'no BEGIN or COMMIT');
  });

  it('tierSpan: tierFor gives the same tier everywhere in the span and another just outside it', () => {
    const tiers = [
      { id: 1, threshold_points: 0 },
      { id: 2, threshold_points: 300 },
      { id: 3, threshold_points: 300 },
      { id: 4, threshold_points: 1000 },
    ];
    for (const set of [tiers, tiers.slice(1), []]) {
      for (const points of [0, 1, 299, 300, 301, 999, 1000, 5000]) {
        const { lo, hi } = tierSpan(set, points);
        const t = tierFor(set, points);
        for (const x of [lo ?? 0, points, hi === null ? points + 10_000 : hi - 1]) assert.equal(tierFor(set, x), t, `${points} → ${x}`);
        if (lo !== null && lo > 0) assert.notEqual(tierFor(set, lo - 1), t);
        if (hi !== null) assert.notEqual(tierFor(set, hi), t);
      }
    }
  });
});
