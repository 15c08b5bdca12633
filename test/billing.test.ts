import assert from 'node:assert/strict';
import { dashboardFromSql } from '../src/domain/dashboard/read.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { formatBillNumber } from '../src/domain/billing/numbering.ts';
import { vatRateOn } from '../src/domain/settings/service.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
import { get, newShop, post, put, type ShopSession } from './support/http.ts';

describe('billing', () => {
  let s: ShopSession;
  let kandura: number;
  let hem: number;
  let abaya: number;
  let master: number;
  before(async () => {
    s = await newShop();
    kandura = await addProduct(s.shopId, 'Kandura', 100);
    hem = await addProduct(s.shopId, 'Hemming', 50);
    abaya = await addProduct(s.shopId, 'Abaya', 200);
    master = await addEmployee(s.shopId, 'Rashid');
  });

  it("creates DOMAIN.md's inclusive example with server-computed totals", async () => {
    const r = await post(
      '/api/bills',
      {
        customer: { phone: '050 123 4567', name: 'Ahmed', area: 'Al Barsha', city: 'Dubai' },
        employee_id: master,
        items: [
          { product_id: kandura, quantity: 2 },
          { product_id: hem, quantity: 1 },
          { product_id: abaya, quantity: 1 },
        ],
        payments: [{ amount: 100, method: 'Cash' }],
      },
      s.cashier,
    );
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.match(r.body.bill_number, /^BILL-\d{8}-001$/);
    assert.equal(r.body.total_amount, 450);
    // the 201 body is built from what the inserts returned; it must be exactly what a re-read gives
    assert.deepEqual(r.body, (await get(`/api/bills/${r.body.id}`, s.token)).body);
    assert.equal(r.body.vat_amount, 21.42);
    assert.equal(r.body.subtotal, 428.58);
    assert.equal(r.body.paid, 100);
    assert.equal(r.body.balance, 350);
    assert.equal(r.body.status, 'Partial');
    assert.deepEqual(r.body.items.map((i: any) => i.vat_amount), [9.52, 2.38, 9.52]);
    assert.equal(r.body.loyalty.points_earned, 450);
    assert.equal(r.body.customer.phone, '+971501234567');
  });

  it('keeps identical lines separate', async () => {
    const r = await post('/api/bills', { items: [{ product_id: hem, quantity: 1 }, { product_id: hem, quantity: 1 }] }, s.terminal);
    assert.equal(r.status, 201);
    assert.equal(r.body.items.length, 2);
    assert.equal(r.body.total_amount, 100);
  });

  it('an Idempotency-Key retry returns the first bill and creates nothing', async () => {
    const body = { items: [{ product_id: kandura, quantity: 1 }] };
    const key = `k-${Date.now()}`;
    const [before] = await env().sql<{ bills: number; events: number }[]>`
      select (select count(*)::int from bills where shop_id = ${s.shopId}) as bills,
             (select count(*)::int from events where shop_id = ${s.shopId}) as events`;
    const [a, b] = await Promise.all([
      post('/api/bills', body, s.terminal, { 'idempotency-key': key }),
      post('/api/bills', body, s.terminal, { 'idempotency-key': key }),
    ]);
    const c = await post('/api/bills', body, s.terminal, { 'idempotency-key': key });
    assert.equal(a.status, 201);
    assert.equal(b.status, 201);
    assert.equal(a.body.id, b.body.id);
    assert.equal(a.body.id, c.body.id);
    assert.equal(c.headers.get('idempotent-replayed'), 'true');
    const [row] = await env().sql<{ bills: number; events: number }[]>`
      select (select count(*)::int from bills where shop_id = ${s.shopId}) as bills,
             (select count(*)::int from events where shop_id = ${s.shopId}) as events`;
    assert.deepEqual([row!.bills, row!.events], [before!.bills + 1, before!.events + 1], 'one bill and one event for three requests');
    const other = await post('/api/bills', { items: [{ product_id: hem, quantity: 3 }] }, s.terminal, { 'idempotency-key': key });
    assert.equal(other.status, 422);
  });

  it('a terminal takes payments only on bills it created; staff on any bill of the shop', async () => {
    const other = await post('/api/terminals', { name: 'Counter 2' }, s.manager);
    assert.equal(other.status, 201);
    const bill = await post('/api/bills', { items: [{ product_id: kandura, quantity: 1 }] }, s.terminal);
    assert.equal(bill.status, 201);
    const foreign = await post(`/api/bills/${bill.body.id}/payments`, { amount: 1, method: 'Cash' }, other.body.token);
    assert.equal(foreign.status, 404);
    assert.equal((await get(`/api/bills/${bill.body.id}`, s.token)).body.paid, 0);
    assert.equal((await post(`/api/bills/${bill.body.id}/payments`, { amount: 1, method: 'Cash' }, s.terminal)).status, 201);
    assert.equal((await post(`/api/bills/${bill.body.id}/payments`, { amount: 1, method: 'Cash' }, s.cashier)).status, 201);
    assert.equal((await get(`/api/bills/${bill.body.id}`, s.token)).body.paid, 2);
  });

  it('refuses a payment over the balance with 422 and changes nothing', async () => {
    const bill = await post('/api/bills', { items: [{ product_id: kandura, quantity: 1 }] }, s.cashier);
    const over = await post(`/api/bills/${bill.body.id}/payments`, { amount: 100.01, method: 'Cash' }, s.cashier);
    assert.equal(over.status, 422);
    assert.equal(over.body.error.code, 'overpayment');
    const ok = await post(`/api/bills/${bill.body.id}/payments`, { amount: 100, method: 'Card' }, s.cashier);
    assert.equal(ok.status, 201);
    assert.equal(ok.body.status, 'Paid');
    const again = await get(`/api/bills/${bill.body.id}`, s.cashier);
    assert.equal(again.body.payments.length, 1);
  });

  it('takes the VAT rate in force on the bill date, by the same rule as vatRateOn', async () => {
    const shop = await newShop({ prices_include_vat: false });
    const p = await addProduct(shop.shopId, 'Shirt', 100);
    // a VAT holiday splits the open-ended 5%: 5% .. 2030-06-30, 2.5% .. 2030-12-31, 5% again from 2031
    const hol = await post('/api/vat-rates', { rate_percent: 2.5, effective_from: '2030-07-01', effective_to: '2030-12-31' }, shop.token);
    assert.equal(hol.status, 201, JSON.stringify(hol.body));
    for (const [day, rate] of [
      ['2030-06-30', 5],
      ['2030-07-01', 2.5],
      ['2030-12-31', 2.5],
      ['2031-01-01', 5],
    ] as const) {
      const r = await post('/api/bills', { bill_date: day, items: [{ product_id: p, quantity: 1 }] }, shop.token);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.vat_amount, rate, day);
      assert.equal(await vatRateOn(env().sql, shop.shopId, day), rate, day);
    }
    const none = await post('/api/bills', { bill_date: '2017-12-31', items: [{ product_id: p, quantity: 1 }] }, shop.token);
    assert.equal(none.status, 422);
    assert.equal(none.body.error.code, 'no_vat_rate');
    assert.equal(await vatRateOn(env().sql, shop.shopId, '2017-12-31'), undefined);
  });

  it('redeems points within the limits and refuses beyond them', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Suit', 1000);
    const first = await post('/api/bills', { customer: { phone: '+971551112222', name: 'Sara' }, items: [{ product_id: p, quantity: 1 }] }, shop.token);
    assert.equal(first.body.loyalty.points_earned, 1000);
    assert.equal(first.body.loyalty.tier, 'Silver');
    const cid = first.body.customer_id;
    const tooMany = await post('/api/bills', { customer: { id: cid }, items: [{ product_id: p, quantity: 1 }], redeem_points: 1001 }, shop.token);
    assert.equal(tooMany.status, 422);
    assert.equal(tooMany.body.error.code, 'insufficient_points');
    // 20% of a 10.00 bill is 2.00 = 200 points: 500 of the 1,000 available is over the limit
    const cheap = await addProduct(shop.shopId, 'Button', 10);
    const over = await post('/api/bills', { customer: { id: cid }, items: [{ product_id: cheap, quantity: 1 }], redeem_points: 500 }, shop.token);
    assert.equal(over.status, 422);
    assert.equal(over.body.error.code, 'redemption_over_limit');
    // 20% of 1000.00 is 200.00 = 20000 points at 0.01: 900 points (9.00) is allowed
    const ok = await post('/api/bills', { customer: { id: cid }, items: [{ product_id: p, quantity: 1 }], redeem_points: 900 }, shop.token);
    assert.deepEqual(ok.body, (await get(`/api/bills/${ok.body.id}`, shop.token)).body, 'points payment and loyalty standing as a re-read shows them');
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    assert.equal(ok.body.paid, 9);
    assert.equal(ok.body.payments[0].method, 'Loyalty');
    assert.equal(ok.body.loyalty.points_redeemed, 900);
    const below = await post('/api/bills', { customer: { id: cid }, items: [{ product_id: p, quantity: 1 }], redeem_points: 50 }, shop.token);
    assert.equal(below.status, 422);
    assert.equal(below.body.error.code, 'redemption_below_minimum');
    // cancelling the bill that redeemed gives the points back and takes back what it earned
    const [acc] = await env().sql<{ available_points: number }[]>`select available_points from loyalty_accounts where shop_id = ${shop.shopId} and customer_id = ${cid}`;
    assert.equal((await post(`/api/bills/${ok.body.id}/cancel`, { reason: 'redeemed by mistake' }, shop.token)).status, 200);
    const [back] = await env().sql<{ available_points: number }[]>`select available_points from loyalty_accounts where shop_id = ${shop.shopId} and customer_id = ${cid}`;
    assert.equal(back!.available_points, acc!.available_points + 900 - ok.body.loyalty.points_earned);
  });

  it('earns with the multiplier of the tier held before the bill', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Sherwani', 1000);
    const first = await post('/api/bills', { customer: { phone: '0551113333', name: 'Huda' }, items: [{ product_id: p, quantity: 1 }] }, shop.token);
    assert.deepEqual([first.body.loyalty.points_earned, first.body.loyalty.tier], [1000, 'Silver'], 'Bronze ×1.0, then Silver');
    const second = await post('/api/bills', { customer: { id: first.body.customer_id }, items: [{ product_id: p, quantity: 1 }] }, shop.token);
    // Silver's 5% discount applies first (950.00), then Silver's ×1.1 on that total
    assert.equal(second.body.items[0].discount_percent, 5);
    assert.equal(second.body.total_amount, 950);
    assert.equal(second.body.loyalty.points_earned, 1045, 'Silver ×1.1');
  });

  it('takes bills only fully paid in payment mode full (422 payment_required)', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Iron', 20);
    const billing = (await get('/api/shop-settings', shop.token)).body.billing_config;
    const set = await put('/api/shop-settings/billing-config', { ...billing, payment_mode: 'full' }, shop.token);
    assert.equal(set.status, 200, JSON.stringify(set.body));
    const unpaid = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], payments: [{ amount: 10, method: 'Cash' }] }, shop.cashier);
    assert.equal(unpaid.status, 422);
    assert.equal(unpaid.body.error.code, 'payment_required');
    const paid = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], payments: [{ amount: 20, method: 'Cash' }] }, shop.cashier);
    assert.equal(paid.status, 201, JSON.stringify(paid.body));
    assert.equal(paid.body.status, 'Paid');
    const [n] = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${shop.shopId}`;
    assert.equal(n!.n, 1, 'the refused bill left nothing');
  });

  it('an Idempotency-Key on a payment records it once', async () => {
    const b = await post('/api/bills', { items: [{ product_id: abaya, quantity: 1 }] }, s.cashier);
    const key = `pay-${Date.now()}`;
    const pay = () => post(`/api/bills/${b.body.id}/payments`, { amount: 50, method: 'Card' }, s.cashier, { 'idempotency-key': key });
    const [x, y] = await Promise.all([pay(), pay()]);
    const z = await pay();
    assert.ok(x.status < 300, JSON.stringify(x.body));
    assert.deepEqual([y.status, z.status, y.body.paid, z.body.paid], [x.status, x.status, x.body.paid, x.body.paid], 'each retry answers as the first');
    assert.equal(z.headers.get('idempotent-replayed'), 'true');
    const rows = await env().sql`select amount_fils from payments where bill_id = ${b.body.id}`;
    assert.deepEqual(rows.map((r) => r.amount_fils), [5000]);
    assert.equal((await get(`/api/bills/${b.body.id}`, s.cashier)).body.paid, 50);
  });

  it('cancellation restores every figure', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Dry clean', 30);
    const e = await addEmployee(shop.shopId, 'Anwar');
    await post('/api/bills', { employee_id: e, customer: { phone: '0561234567', name: 'Omar', area: 'Deira' }, items: [{ product_id: p, quantity: 2 }], payments: [{ amount: 60, method: 'Cash' }] }, shop.token);
    await settled(shop.shopId);
    const before = await get('/api/dashboard', shop.token);
    const b = await post('/api/bills', { employee_id: e, customer: { phone: '0561234567', name: 'Omar' }, items: [{ product_id: p, quantity: 3, discount_percent: 10 }], payments: [{ amount: 20, method: 'Card' }] }, shop.token);
    await post(`/api/bills/${b.body.id}/payments`, { amount: 10, method: 'Cash' }, shop.token);
    const c = await post(`/api/bills/${b.body.id}/cancel`, { reason: 'customer changed mind' }, shop.token);
    assert.equal(c.status, 200, JSON.stringify(c.body));
    assert.equal(c.body.status, 'Cancelled');
    assert.equal((await post(`/api/bills/${b.body.id}/cancel`, { reason: 'again' }, shop.token)).status, 409);
    assert.equal((await post(`/api/bills/${b.body.id}/cancel`, { reason: 'x' }, shop.cashier)).status, 403);
    // the bill keeps its lines and payments, gains one refund per method, and one event says so
    const [rows] = await env().sql<{ lines: number; payments: number[]; refunds: [string, number][]; events: number }[]>`
      select (select count(*)::int from bill_lines where bill_id = ${b.body.id}) as lines,
             (select array_agg(amount_fils order by id) from payments where bill_id = ${b.body.id} and kind = 'payment') as payments,
             (select array_agg(json_build_array(method, amount_fils) order by method) from payments where bill_id = ${b.body.id} and kind = 'refund') as refunds,
             (select count(*)::int from events where shop_id = ${shop.shopId} and kind = 'bill_cancelled' and entity_id = ${b.body.id}) as events`;
    assert.deepEqual([rows!.lines, rows!.payments, rows!.refunds, rows!.events], [1, [2000, 1000], [['Card', -2000], ['Cash', -1000]], 1]);
    const late = await post(`/api/bills/${b.body.id}/payments`, { amount: 1, method: 'Cash' }, shop.token);
    assert.equal(late.status, 422);
    assert.equal(late.body.error.code, 'bill_cancelled');
    await settled(shop.shopId);
    const after = await get('/api/dashboard', shop.token);
    assert.equal(after.body.today.revenue, before.body.today.revenue);
    assert.equal(after.body.today.bills, before.body.today.bills);
    assert.equal(after.body.today.collected, before.body.today.collected);
    assert.deepEqual(after.body.employees, before.body.employees);
    assert.deepEqual(after.body.top_products, before.body.top_products);
    assert.equal(after.body.open_bills, before.body.open_bills);
    const loy = await env().sql`select available_points, lifetime_points, visits from loyalty_accounts where shop_id = ${shop.shopId}`;
    assert.deepEqual([loy[0]!.available_points, loy[0]!.lifetime_points, loy[0]!.visits], [60, 60, 1]);
    const v = await verifyShop(env().sql, env().redis, env().deps.keys, shop.shopId);
    assert.deepEqual(v.differences, []);
  });

  it('refuses a discount with more than 2 decimals with 400 naming the line, and creates nothing', async () => {
    const [before] = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${s.shopId}`;
    const items = [{ product_id: kandura, quantity: 1, discount_percent: 10 }, { product_id: hem, quantity: 1, discount_percent: 12.345 }];
    for (const path of ['/api/bills', '/api/bills/quote']) {
      const r = await post(path, { items }, s.token);
      assert.equal(r.status, 400, path);
      assert.deepEqual(r.body.error.details.map((d: any) => d.field), ['items.1.discount_percent']);
    }
    const [after] = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${s.shopId}`;
    assert.equal(after!.n, before!.n);
    const ok = await post('/api/bills/quote', { items: [{ product_id: kandura, quantity: 1, discount_percent: 12.35 }] }, s.token);
    assert.equal(ok.status, 200);
  });

  it('GET /api/bills: newest first; search by number, name or phone; filters by status, dates, master, customer', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Tailoring', 100);
    const e = await addEmployee(shop.shopId, 'Yusuf');
    const make = async (body: object) => {
      const r = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], ...body }, shop.token);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body;
    };
    const b1 = await make({ customer: { phone: '0501112233', name: 'Noura Ali' }, employee_id: e, bill_date: '2026-01-10', payments: [{ amount: 100, method: 'Cash' }] });
    const b2 = await make({ customer: { phone: '0559998877', name: 'Khalid' }, bill_date: '2026-02-10' });
    const b3 = await make({ customer: { id: b1.customer_id }, employee_id: e, bill_date: '2026-03-10', payments: [{ amount: 40, method: 'Card' }] });
    const b4 = await make({ bill_date: '2026-03-11' });
    assert.equal((await post(`/api/bills/${b4.id}/cancel`, { reason: 'test' }, shop.token)).status, 200);
    const ids = async (qs: string) => {
      const r = await get(`/api/bills?${qs}`, shop.cashier);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.total, r.body.items.length);
      return r.body.items.map((b: any) => b.id);
    };
    assert.deepEqual(await ids(''), [b4.id, b3.id, b2.id, b1.id]);
    assert.deepEqual(await ids('search=noura'), [b3.id, b1.id]);
    assert.deepEqual(await ids('search=050111'), [b3.id, b1.id], 'a phone typed the local way');
    assert.deepEqual(await ids(`search=${b2.bill_number}`), [b2.id]);
    assert.deepEqual(await ids('status=Pending'), [b2.id]);
    assert.deepEqual(await ids('status=Partial'), [b3.id]);
    assert.deepEqual(await ids('status=Cancelled'), [b4.id]);
    assert.deepEqual(await ids('from=2026-02-01&to=2026-03-10'), [b3.id, b2.id]);
    assert.deepEqual(await ids(`employee_id=${e}`), [b3.id, b1.id]);
    assert.deepEqual(await ids(`customer_id=${b2.customer_id}`), [b2.id]);
    assert.deepEqual(await ids(`status=Paid&employee_id=${e}`), [b1.id]);
    assert.equal((await get('/api/bills?from=2026-03-01&to=2026-02-01', shop.cashier)).status, 400);
    assert.equal((await get('/api/bills?status=Lost', shop.cashier)).status, 400);
    assert.deepEqual((await get('/api/bills', s.token)).body.items.filter((b: any) => [b1.id, b2.id].includes(b.id)), [], 'another shop sees none');
  });

  it('pages by cursor without skipping bills created within the same millisecond', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Ironing', 10);
    const ids: number[] = [];
    for (let i = 0; i < 5; i++) ids.push((await post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, shop.token)).body.id);
    // three bills in one millisecond, microseconds apart (what a busy counter produces)
    await env().sql`
      update bills set created_at = ('2026-11-20T10:00:00.1234' || (id % 10)::text || '0Z')::timestamptz
      where shop_id = ${shop.shopId} and id in ${env().sql(ids.slice(1, 4))}`;
    const byPage = (await get('/api/bills?per_page=50', shop.token)).body.items.map((b: any) => b.id);
    const byCursor: number[] = [];
    let cursor = '';
    for (let n = 0; n < 10; n++) {
      const r = await get(`/api/bills?per_page=2&cursor=${cursor}`, shop.token);
      assert.equal(r.status, 200);
      byCursor.push(...r.body.items.map((b: any) => b.id));
      if (r.body.next_cursor === null) break;
      cursor = r.body.next_cursor;
    }
    assert.deepEqual(byCursor, byPage);
    assert.deepEqual([...byCursor].sort((a, b) => a - b), ids);
    const bad = await get('/api/bills?cursor=not-a-cursor', shop.token);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_failed');
  });

  it("dates and numbers a bill by the shop's local day, not the server's or UTC", async () => {
    // 11:30 UTC is already tomorrow in Kiritimati (UTC+14) and just today in Pago Pago (UTC-11)
    const instant = '2027-03-10T11:30:00Z';
    for (const [timezone, local] of [['Pacific/Kiritimati', '2027-03-11'], ['Pacific/Pago_Pago', '2027-03-10']] as const) {
      const shop = await newShop();
      const p = await addProduct(shop.shopId, 'Wash', 5);
      const locale = { currency: 'AED', timezone, date_format: 'DD/MM/YYYY', language: 'en' };
      assert.equal((await put('/api/shop-settings/locale', locale, shop.token)).status, 200);
      await env().clock.at(instant, async () => {
        assert.equal((await get('/api/bills/next-number', shop.token)).body.bill_number, `BILL-${local.replaceAll('-', '')}-001`);
        const b = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], payments: [{ amount: 1, method: 'Cash' }] }, shop.token);
        assert.equal(b.status, 201, JSON.stringify(b.body));
        assert.equal(b.body.bill_date, local, timezone);
        assert.equal(b.body.bill_number, `BILL-${local.replaceAll('-', '')}-001`);
        // the stored times are the clock's instant too, so the SQL rebuild agrees with the live figures
        const [row] = await env().sql<{ created_at: Date; paid_at: Date }[]>`
          select b.created_at, p.paid_at from bills b join payments p on p.shop_id = b.shop_id and p.bill_id = b.id where b.shop_id = ${shop.shopId}`;
        assert.equal(row!.created_at.toISOString(), new Date(instant).toISOString());
        assert.equal(row!.paid_at.toISOString(), new Date(instant).toISOString());
      });
    }
  });

  it("numbers the bills either side of the shop's midnight on their own days, by the service's clock", async () => {
    const shop = await newShop(); // Asia/Dubai: midnight is 20:00 UTC
    const p = await addProduct(shop.shopId, 'Press', 3);
    const bill = () => post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, shop.token);
    const before = await env().clock.at('2027-04-30T19:59:59.999Z', bill);
    const after = await env().clock.at('2027-04-30T20:00:00.000Z', bill);
    assert.deepEqual([before.body.bill_date, before.body.bill_number], ['2027-04-30', 'BILL-20270430-001']);
    assert.deepEqual([after.body.bill_date, after.body.bill_number], ['2027-05-01', 'BILL-20270501-001']);
  });

  it('numbers bills BILL-YYYYMMDD-NNN, consecutive under concurrency, as next-number previews', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Press', 5);
    const preview = await get('/api/bills/next-number', shop.token);
    assert.match(preview.body.bill_number, /^BILL-\d{8}-001$/);
    const made = await Promise.all(Array.from({ length: 12 }, () => post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, shop.token)));
    for (const r of made) assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal(made[0]!.body.bill_number.slice(0, 14), preview.body.bill_number.slice(0, 14));
    const numbers = made.map((r) => r.body.bill_number as string).sort();
    assert.deepEqual(
      numbers.map((n) => Number(n.slice(-3))),
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    assert.equal((await get('/api/bills/next-number', shop.token)).body.bill_number, `${numbers[0]!.slice(0, 14)}013`);
    const [fmt] = await env().sql<{ a: string; b: string }[]>`select bill_number('2026-01-05', 7) as a, bill_number('2026-01-05', 1234) as b`;
    assert.deepEqual(fmt, { a: 'BILL-20260105-007', b: 'BILL-20260105-1234' });
    assert.deepEqual([formatBillNumber('2026-01-05', 7), formatBillNumber('2026-01-05', 1234)], [fmt!.a, fmt!.b], 'the seed formats as SQL does');
  });

  it('dashboard from Redis equals the dashboard computed by SQL, and verify is clean', async () => {
    await settled(s.shopId);
    const r = await get('/api/dashboard', s.token);
    assert.equal(r.status, 200);
    const fromSql = await dashboardFromSql(env().sql, s.shopId, env().clock.now());
    assert.deepEqual(r.body, JSON.parse(JSON.stringify(fromSql)));
    assert.ok(r.body.today.bills >= 4, "r.body.today.bills >= 4");
    const v = await verifyShop(env().sql, env().redis, env().deps.keys, s.shopId);
    assert.equal(v.error, undefined);
    assert.deepEqual(v.differences, []);
  });

  it('financial insights come from day buckets, and the SQL fallback agrees', async () => {
    await settled(s.shopId);
    const dash = (await get('/api/dashboard', s.token)).body;
    const r = await get('/api/financial-insights?days=7', s.token);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.current.revenue, dash.today.revenue);
    assert.equal(r.body.current.vat_collected, dash.today.vat);
    assert.equal(r.body.current.net_revenue, Math.round((dash.today.revenue - dash.today.vat) * 100) / 100);
    assert.equal(r.body.current.profit, r.body.current.net_revenue - r.body.current.expenses);
    assert.equal(r.body.trends.length, 7);
    assert.equal(r.body.cash_flow.collected, dash.today.collected);
    assert.equal((await get('/api/financial-insights?from=2026-02-01&to=2026-01-01', s.token)).status, 400);
    assert.equal((await get('/api/financial-insights', s.cashier)).status, 403);
    // with the shop's Redis state gone, the SQL fallback answers the same
    const meta = env().deps.keys.agg(s.shopId).meta;
    const seq = await env().redis.hget(meta, 'seq');
    await env().redis.hdel(meta, 'seq');
    const fallback = await get('/api/financial-insights?days=7', s.token);
    const dashFallback = await get('/api/dashboard', s.token);
    await env().redis.hset(meta, 'seq', seq!);
    assert.deepEqual(fallback.body, r.body);
    assert.deepEqual(dashFallback.body, dash);
  });

  it('rebuilds a shop whose keys were flushed, and stays exact', async () => {
    const keys = await env().redis.smembers(env().deps.keys.agg(s.shopId).registry);
    await env().redis.del(...keys, env().deps.keys.agg(s.shopId).meta, env().deps.keys.agg(s.shopId).registry);
    await post('/api/bills', { items: [{ product_id: abaya, quantity: 1 }] }, s.cashier);
    await settled(s.shopId);
    const v = await verifyShop(env().sql, env().redis, env().deps.keys, s.shopId);
    assert.deepEqual(v.differences, []);
  });
});
