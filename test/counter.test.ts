/**
 * The counter (issue 17, API.md "The counter") against real PostgreSQL and Redis: the tier's
 * discount, the billing defaults, bills sold offline and synced late (dated, numbered, taxed and
 * counted by the time of sale; the offline window; stale and historic prices; exactly once), the
 * catalogue catch-up, and cashier PINs with their lock.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { env } from './support/env.ts';
import { connect, record, until } from './support/sockets.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
import { del, get, newShop, patch, post, put, type ShopSession, uniqueEmail } from './support/http.ts';

/** The shop-local (Asia/Dubai) date and hour of an instant. */
function dubai(at: Date): { day: string; hour: number } {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Dubai', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })
    .formatToParts(at);
  const v = (t: string) => parts.find((p) => p.type === t)!.value;
  return { day: `${v('year')}-${v('month')}-${v('day')}`, hour: Number(v('hour')) };
}
const ago = (ms: number) => new Date(Date.now() - ms);
const HOUR = 3_600_000;

describe('the counter', () => {
  describe('a tier’s discount and the billing defaults', () => {
    let s: ShopSession;
    let suit: number;
    let master: number;
    before(async () => {
      s = await newShop(); // prices include 5% VAT
      suit = await addProduct(s.shopId, 'Suit', 1000);
      master = await addEmployee(s.shopId, 'Rashid');
    });

    it('applies the tier’s discount % to lines without their own, shows it per line, and the quote agrees', async () => {
      // 1000 lifetime points make a Silver (5%) customer
      const first = await post('/api/bills', { customer: { phone: '0551110001', name: 'Huda' }, items: [{ product_id: suit, quantity: 1 }] }, s.cashier);
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.deepEqual([first.body.items[0].discount_percent, first.body.loyalty.tier], [0, 'Silver'], 'Bronze has no discount');
      const body = {
        customer: { id: first.body.customer_id },
        items: [{ product_id: suit, quantity: 1 }, { product_id: suit, quantity: 1, discount_percent: 20 }],
      };
      const quote = await post('/api/bills/quote', body, s.terminal);
      const bill = await post('/api/bills', body, s.terminal);
      assert.equal(bill.status, 201, JSON.stringify(bill.body));
      assert.deepEqual(bill.body.items.map((i: { discount_percent: number }) => i.discount_percent), [5, 20]);
      // inclusive: 950 + 800 = 1750.00, VAT 45.24 + 38.10
      assert.deepEqual([bill.body.total_amount, bill.body.discount, bill.body.vat_amount], [1750, 250, 83.34]);
      assert.deepEqual([quote.body.total_amount, quote.body.vat_amount, quote.body.items[0].discount_percent], [1750, 83.34, 5]);
      // by phone too, and not for a shop whose programme is off
      const byPhone = await post('/api/bills/quote', { customer: { phone: '055 111 0001', name: 'Huda' }, items: [{ product_id: suit, quantity: 1 }] }, s.terminal);
      assert.equal(byPhone.body.total_amount, 950);
      const cfg = (await get('/api/loyalty/config', s.token)).body;
      assert.equal((await put('/api/loyalty/config', { ...cfg, enabled: false }, s.token)).status, 200);
      const off = await post('/api/bills', { customer: { id: first.body.customer_id }, items: [{ product_id: suit, quantity: 1 }] }, s.terminal);
      assert.deepEqual([off.body.items[0].discount_percent, off.body.total_amount], [0, 1000]);
      assert.equal((await put('/api/loyalty/config', { ...cfg, enabled: true }, s.token)).status, 200);
    });

    it('fills delivery and trial dates from the default days and the master from the default master', async () => {
      const billing = (await get('/api/shop-settings', s.token)).body.billing_config;
      const set = await put('/api/shop-settings/billing-config', { ...billing, default_delivery_days: 5, default_trial_days: 2, default_employee_id: master }, s.token);
      assert.equal(set.status, 200, JSON.stringify(set.body));
      const r = await post('/api/bills', { items: [{ product_id: suit, quantity: 1 }] }, s.terminal);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const plus = (n: number) => new Date(Date.parse(`${r.body.bill_date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
      assert.deepEqual([r.body.delivery_date, r.body.trial_date, r.body.employee_id], [plus(5), plus(2), master]);
      // what the request says wins
      const own = await post('/api/bills', { items: [{ product_id: suit, quantity: 1 }], delivery_date: plus(1), trial_date: plus(1), employee_id: master }, s.terminal);
      assert.deepEqual([own.body.delivery_date, own.body.trial_date], [plus(1), plus(1)]);
      // a default master who left no longer stops a sale
      await env().sql`update employees set active = false where id = ${master}`;
      const left = await post('/api/bills', { items: [{ product_id: suit, quantity: 1 }] }, s.terminal);
      assert.deepEqual([left.status, left.body.employee_id], [201, null]);
      await env().sql`update employees set active = true where id = ${master}`;
    });
  });

  describe('bills sold offline', () => {
    let s: ShopSession;
    let shirt: number;
    before(async () => {
      s = await newShop();
      shirt = await addProduct(s.shopId, 'Shirt', 100);
      // the shirt was on sale (at 100.00) for the last month
      await env().sql`update product_prices set valid_from = now() - interval '30 days' where product_id = ${shirt}`;
    });

    it('dates, numbers, taxes and counts a late bill by its time of sale; the aggregates agree', async () => {
      const at = ago(26 * HOUR);
      const { day, hour } = dubai(at);
      const yesterday = day.replaceAll('-', '');
      const before = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${s.shopId} and bill_date = ${day}`;
      const r = await post(
        '/api/bills',
        { items: [{ product_id: shirt, quantity: 2, rate: 100 }], payments: [{ amount: 200, method: 'Cash' }], client_created_at: at.toISOString(), offline_ref: `T${s.terminalId}-1` },
        s.terminal,
        { 'Idempotency-Key': 'offline-1' },
      );
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.bill_date, day);
      assert.equal(r.body.bill_number, `BILL-${yesterday}-${String(before[0]!.n + 1).padStart(3, '0')}`);
      assert.equal(r.body.offline_ref, `T${s.terminalId}-1`);
      assert.equal(new Date(r.body.created_at).getTime(), at.getTime());
      assert.equal(new Date(r.body.payments[0].paid_at).getTime(), at.getTime());
      // a second late bill continues yesterday's numbering, gap-free; today's starts at 001
      const r2 = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: new Date(at.getTime() + 60_000).toISOString(), offline_ref: `T${s.terminalId}-2` }, s.terminal);
      assert.equal(r2.body.bill_number, `BILL-${yesterday}-${String(before[0]!.n + 2).padStart(3, '0')}`);
      const live = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }] }, s.terminal);
      assert.match(live.body.bill_number, /-001$/);
      await settled(s.shopId);
      const dash = (await get('/api/dashboard', s.token)).body;
      const past = dash.daily.find((d: { date: string }) => d.date === day);
      assert.deepEqual([past.revenue, past.bills, past.collected], [300, 2, 200]);
      assert.equal(dash.today.revenue, 100, "today's figures do not move");
      const [row] = await env().sql<{ h: number }[]>`
        select extract(hour from created_at at time zone 'Asia/Dubai')::int as h from bills where id = ${r.body.id}`;
      assert.equal(row!.h, hour);
      const v = await verifyShop(env().sql, env().redis, env().deps.keys, s.shopId);
      assert.deepEqual([v.error, v.differences], [undefined, []]);
    });

    it("pushes a late bill to managers as a past day's change; today's figures do not move", async () => {
      // a shop of its own: no other bill's update can share these pushes
      const shop = await newShop();
      const cap = await addProduct(shop.shopId, 'Cap', 100);
      await env().sql`update product_prices set valid_from = now() - interval '30 days' where product_id = ${cap}`;
      const manager = await connect(shop.token);
      const seen = record(manager);
      // paid in full: an open balance would move the shop's outstanding, which is not a day's figure
      const late = (ref: string, at: Date) =>
        post('/api/bills', { items: [{ product_id: cap, quantity: 1 }], payments: [{ amount: 100, method: 'Card' }], client_created_at: at.toISOString(), offline_ref: ref }, shop.terminal);
      const updateWith = (revenue: number) => () =>
        seen.find((e) => e.name === 'dashboard:update' && (e.args[0].changes.daily ?? []).some((d: { date: string; revenue: number }) => d.date === day && d.revenue === revenue));
      const at = ago(30 * HOUR);
      const day = dubai(at).day;
      // the first push of a shop carries every part; the next ones only what moved
      assert.equal((await late('T-push-1', at)).status, 201);
      await until(() => updateWith(100)() !== undefined, 10_000, 'the first late bill pushed');
      assert.equal((await late('T-push-2', new Date(at.getTime() + 60_000))).status, 201);
      await until(() => updateWith(200)() !== undefined, 10_000, 'the second late bill pushed');
      const changes = updateWith(200)()!.args[0].changes;
      assert.equal(changes.today, undefined, "today's figures are not in the push");
      assert.equal(changes.hourly, undefined, "today's hours are not in the push");
      manager.disconnect();
    });

    it('aggregates verify agrees after any mix of live and late bills, payments and cancellations (property)', async () => {
      const shop = await newShop();
      const item = await addProduct(shop.shopId, 'Thobe', 75);
      await env().sql`update product_prices set valid_from = now() - interval '30 days' where product_id = ${item}`;
      let ref = 0;
      const step = fc.record({
        // minutes before now: 0 is a live bill, up to 7 days back a late one
        agoMinutes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 7 * 24 * 60 - 10 })),
        quantity: fc.integer({ min: 1, max: 5 }),
        paid: fc.constantFrom(0, 50, 100),
        customer: fc.option(fc.constantFrom('0551230001', '0551230002'), { nil: undefined }),
        cancel: fc.boolean(),
        later: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
          for (const x of steps) {
            const body: Record<string, unknown> = {
              items: [{ product_id: item, quantity: x.quantity }],
              ...(x.customer ? { customer: { phone: x.customer, name: 'Mixed' } } : {}),
              ...(x.agoMinutes ? { client_created_at: ago(x.agoMinutes * 60_000).toISOString(), offline_ref: `P-${++ref}` } : {}),
            };
            // the total after the customer's tier discount, which grows as they buy
            const total = Math.round((await post('/api/bills/quote', body, shop.terminal)).body.total_amount * 100);
            if (x.paid) body.payments = [{ amount: Math.floor((total * x.paid) / 100) / 100, method: 'Cash' }];
            const r = await post('/api/bills', body, shop.terminal);
            assert.equal(r.status, 201, JSON.stringify(r.body));
            if (x.later && x.paid < 100) assert.equal((await post(`/api/bills/${r.body.id}/payments`, { amount: r.body.balance, method: 'Card' }, shop.terminal)).status, 201);
            if (x.cancel) assert.equal((await post(`/api/bills/${r.body.id}/cancel`, { reason: 'mixed' }, shop.token)).status, 200);
          }
          await settled(shop.shopId);
          const v = await verifyShop(env().sql, env().redis, env().deps.keys, shop.shopId);
          assert.deepEqual([v.error, v.differences], [undefined, []]);
        }),
        { numRuns: 12 },
      );
    });

    it('makes an offline bill exactly once: a retry under another key, or two at once, answer the first', async () => {
      const body = { items: [{ product_id: shirt, quantity: 1 }], client_created_at: ago(HOUR).toISOString(), offline_ref: `T${s.terminalId}-7` };
      const [a, b] = await Promise.all([
        post('/api/bills', body, s.terminal, { 'Idempotency-Key': 'k-a' }),
        post('/api/bills', body, s.terminal, { 'Idempotency-Key': 'k-b' }),
      ]);
      const c = await post('/api/bills', body, s.terminal);
      assert.deepEqual([a.status, b.status, c.status], [201, 201, 201]);
      assert.equal(a.body.id, b.body.id);
      assert.equal(a.body.id, c.body.id);
      const [n] = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${s.shopId} and offline_ref = ${body.offline_ref}`;
      assert.equal(n!.n, 1);
    });

    it('refuses a time of sale past the offline window or ahead of the server (422 offline_too_old), and from users', async () => {
      const old = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: ago(8 * 24 * HOUR).toISOString() }, s.terminal);
      assert.deepEqual([old.status, old.body.error.code, old.body.error.details.window_days], [422, 'offline_too_old', 7]);
      const ahead = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: ago(-10 * 60_000).toISOString() }, s.terminal);
      assert.deepEqual([ahead.status, ahead.body.error.code], [422, 'offline_too_old']);
      const six = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: ago(6 * 24 * HOUR).toISOString() }, s.terminal);
      assert.equal(six.status, 201);
      // the window is a shop setting
      const billing = (await get('/api/shop-settings', s.token)).body.billing_config;
      assert.equal((await put('/api/shop-settings/billing-config', { ...billing, offline_window_days: 2 }, s.token)).status, 200);
      const three = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: ago(3 * 24 * HOUR).toISOString() }, s.terminal);
      assert.deepEqual([three.status, three.body.error?.code], [422, 'offline_too_old']);
      assert.equal((await put('/api/shop-settings/billing-config', { ...billing, offline_window_days: 7 }, s.token)).status, 200);
      const user = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: ago(HOUR).toISOString() }, s.cashier);
      assert.equal(user.status, 403);
      const bad = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], client_created_at: 'yesterday' }, s.terminal);
      assert.equal(bad.status, 400);
    });

    it('accepts the price in force at the time of sale, refuses another with 422 stale_price, and sells a product deleted since', async () => {
      const hat = await addProduct(s.shopId, 'Hat', 40);
      const soldAt = new Date();
      await new Promise((r) => setTimeout(r, 5)); // the change must come strictly after the sale
      assert.equal((await patch(`/api/products/${hat}`, { rate: 45 }, s.token)).status, 200);
      const then = await post('/api/bills', { items: [{ product_id: hat, quantity: 1, rate: 40 }], client_created_at: soldAt.toISOString() }, s.terminal);
      assert.equal(then.status, 201, JSON.stringify(then.body));
      assert.equal(then.body.total_amount, 40);
      const stale = await post('/api/bills', { items: [{ product_id: hat, quantity: 1, rate: 45 }], client_created_at: soldAt.toISOString() }, s.terminal);
      assert.deepEqual([stale.status, stale.body.error.code, stale.body.error.details], [422, 'stale_price', { product_id: hat, rate: 45, price_then: 40, price_now: 45 }]);
      const now = await post('/api/bills', { items: [{ product_id: hat, quantity: 1, rate: 45 }], client_created_at: new Date().toISOString() }, s.terminal);
      assert.equal(now.status, 201, JSON.stringify(now.body));
      // not yet created at the time of sale
      const before = await post('/api/bills', { items: [{ product_id: hat, quantity: 1 }], client_created_at: ago(24 * HOUR).toISOString() }, s.terminal);
      assert.deepEqual([before.status, before.body.error.code, before.body.error.details.price_then], [422, 'stale_price', null]);
      assert.equal((await del(`/api/products/${hat}`, s.token)).status, 204);
      const gone = await post('/api/bills', { items: [{ product_id: hat, quantity: 1, rate: 45 }], client_created_at: new Date().toISOString() }, s.terminal);
      assert.equal(gone.status, 201, JSON.stringify(gone.body));
      const online = await post('/api/bills', { items: [{ product_id: hat, quantity: 1 }] }, s.terminal);
      assert.equal(online.status, 422, 'online, a deleted product is not sold');
    });

    it('lists products changed since an instant, deleted ones marked', async () => {
      const since = new Date().toISOString();
      const cap = await addProduct(s.shopId, 'Cap', 10);
      const r = await get(`/api/products?updated_since=${encodeURIComponent(since)}`, s.terminal);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.items.map((p: { id: number; deleted: boolean }) => [p.id, p.deleted]), [[cap, false]]);
      assert.equal((await del(`/api/products/${cap}`, s.token)).status, 204);
      const after = await get(`/api/products?updated_since=${encodeURIComponent(since)}`, s.terminal);
      assert.deepEqual(after.body.items.map((p: { id: number; deleted: boolean }) => [p.id, p.deleted]), [[cap, true]]);
      assert.equal((await get('/api/products?updated_since=soon', s.terminal)).status, 400);
    });
  });

  describe('cashier PINs at a terminal', () => {
    let s: ShopSession;
    let cashierId: number;
    let shirt: number;
    before(async () => {
      s = await newShop();
      shirt = await addProduct(s.shopId, 'Shirt', 100);
      const u = await post('/api/users', { email: uniqueEmail('pin'), password: 'correct-horse-1', name: 'Mariam', role: 'cashier' }, s.token);
      cashierId = u.body.id;
    });

    it('a manager sets a cashier’s PIN (hashed); the cashier signs in, bills record her, she signs out', async () => {
      assert.equal((await put(`/api/users/${cashierId}/pin`, { pin: '12a4' }, s.manager)).status, 400);
      assert.equal((await put(`/api/users/${cashierId}/pin`, { pin: '1234' }, s.cashier)).status, 403);
      assert.equal((await put(`/api/users/${s.userId}/pin`, { pin: '1234' }, s.token)).body.error.code, 'not_a_cashier');
      assert.equal((await put(`/api/users/${cashierId}/pin`, { pin: '4821' }, s.manager)).status, 204);
      const [u] = await env().sql<{ pin_hash: string }[]>`select pin_hash from users where id = ${cashierId}`;
      assert.match(u!.pin_hash, /^\$argon2id\$/);
      assert.equal((await post('/api/terminal/sessions', { pin: '4821' }, s.cashier)).status, 403, 'terminals only');
      const session = await post('/api/terminal/sessions', { pin: '4821' }, s.terminal);
      assert.equal(session.status, 201, JSON.stringify(session.body));
      assert.deepEqual(session.body.cashier, { id: cashierId, name: 'Mariam' });
      const bill = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }], payments: [{ amount: 40, method: 'Cash' }] }, session.body.token);
      assert.deepEqual([bill.status, bill.body.cashier_id], [201, cashierId]);
      assert.equal((await post(`/api/bills/${bill.body.id}/payments`, { amount: 10, method: 'Card' }, session.body.token)).status, 201);
      const takers = await env().sql<{ u: number; t: number }[]>`
        select taken_by_user as u, taken_by_terminal as t from payments where bill_id = ${bill.body.id} order by id`;
      assert.deepEqual(takers.map((x) => [x.u, x.t]), [[cashierId, s.terminalId], [cashierId, s.terminalId]], 'the cashier took both payments at that terminal');
      const plain = await post('/api/bills', { items: [{ product_id: shirt, quantity: 1 }] }, s.terminal);
      assert.equal(plain.body.cashier_id, null);
      // the terminal's rights do not grow
      assert.equal((await get('/api/dashboard', session.body.token)).status, 403);
      assert.equal((await del('/api/terminal/sessions/current', session.body.token)).status, 204);
      const poll = Date.now() + 10_000;
      let after = await get('/api/products', session.body.token);
      while (after.status !== 401 && Date.now() < poll) after = await get('/api/products', session.body.token);
      assert.equal(after.status, 401);
      assert.equal((await get('/api/products', s.terminal)).status, 200, "the terminal's own token still works");
    });

    it('locks PIN sign-in for 5 minutes after 5 wrong PINs at that terminal (429), not at another', async () => {
      const other = await post('/api/terminals', { name: 'Counter 2' }, s.token);
      for (let i = 0; i < 5; i++) {
        const r = await post('/api/terminal/sessions', { pin: '000000' }, s.terminal);
        assert.deepEqual([r.status, r.body.error.code], [422, 'wrong_pin']);
      }
      const locked = await post('/api/terminal/sessions', { pin: '4821' }, s.terminal);
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) > 290);
      assert.equal((await post('/api/terminal/sessions', { pin: '4821' }, other.body.token)).status, 201);
    });

    it('refuses a PIN another cashier holds (409)', async () => {
      const u = await post('/api/users', { email: uniqueEmail('pin'), password: 'correct-horse-1', name: 'Omar', role: 'cashier' }, s.token);
      assert.equal((await put(`/api/users/${u.body.id}/pin`, { pin: '4821' }, s.token)).status, 409);
      assert.equal((await put(`/api/users/${u.body.id}/pin`, { pin: '4822' }, s.token)).status, 204);
    });
  });
});
