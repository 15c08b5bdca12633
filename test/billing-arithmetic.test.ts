import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeBill, computeLine, statusOf } from '../src/domain/billing/arithmetic.ts';
import { divRound } from '../src/domain/common/money.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
import { get, newShop, post } from './support/http.ts';

const L = (rate: number, quantity: number, discountPercent = 0) => ({ rateFils: Math.round(rate * 100), quantity, discountPercent });

describe('bill arithmetic', () => {
  describe("DOMAIN.md's worked examples", () => {
    const lines = [L(100, 2), L(50, 1), L(200, 1)];
    it('exclusive 5%: subtotal 450.00, VAT 22.50, total 472.50', () => {
      const b = computeBill(lines, 5, false);
      assert.deepEqual([b.subtotalFils, b.vatFils, b.totalFils], [45000, 2250, 47250]);
    });
    it('inclusive 5%: total 450.00, VAT 9.52 + 2.38 + 9.52 = 21.42, subtotal 428.58', () => {
      const b = computeBill(lines, 5, true);
      assert.deepEqual(b.lines.map((l) => l.vatFils), [952, 238, 952]);
      assert.deepEqual([b.subtotalFils, b.vatFils, b.totalFils], [42858, 2142, 45000]);
    });
    it('1×100 at 10% discount: exclusive total 94.50 VAT 4.50; inclusive total 90.00 VAT 4.29', () => {
      const ex = computeBill([L(100, 1, 10)], 5, false);
      assert.deepEqual([ex.totalFils, ex.vatFils, ex.discountFils], [9450, 450, 1000]);
      const inc = computeBill([L(100, 1, 10)], 5, true);
      assert.deepEqual([inc.totalFils, inc.vatFils, inc.discountFils], [9000, 429, 1000]);
    });
  });

  const table: [string, ReturnType<typeof L>[], number, boolean, [number, number, number, number]][] = [
    // name, lines, vat%, inclusive, [subtotal, discount, vat, total]
    ['exclusive, several rates of discount', [L(33.33, 3, 12.5), L(0.01, 1)], 5, false, [8750, 1250, 437, 9187]],
    ['inclusive half-fils rounds away from zero', [L(0.21, 1)], 5, true, [20, 0, 1, 21]],
    ['VAT 0.5 fils exclusive rounds up', [L(0.1, 1)], 5, false, [10, 0, 1, 11]],
    ['15% rate (another Gulf state)', [L(99.99, 1)], 15, false, [9999, 0, 1500, 11499]],
    ['12.5% rate with decimals', [L(80, 1)], 12.5, true, [7111, 0, 889, 8000]],
    ['100% discount gives zero', [L(50, 2, 100)], 5, true, [0, 10000, 0, 0]],
    ['identical lines stay separate and add up', [L(10, 1), L(10, 1)], 5, true, [1904, 0, 96, 2000]],
  ];
  for (const [name, lines, p, inc, [sub, disc, vat, total]] of table) {
    it(name, () => {
      const b = computeBill(lines, p, inc);
      assert.deepEqual([b.subtotalFils, b.discountFils, b.vatFils, b.totalFils], [sub, disc, vat, total]);
    });
  }

  it('divRound rounds half away from zero', () => {
    assert.equal(divRound(5n, 10n), 1n);
    assert.equal(divRound(4n, 10n), 0n);
    assert.equal(divRound(-5n, 10n), -1n);
    assert.equal(divRound(15n, 10n), 2n);
  });

  const line = fc.record({
    rateFils: fc.integer({ min: 1, max: 10_000_000 }),
    quantity: fc.integer({ min: 1, max: 1000 }),
    discountPercent: fc.integer({ min: 0, max: 10_000 }).map((h) => h / 100),
  });
  const vat = fc.integer({ min: 1, max: 10_000 }).map((h) => h / 100);

  it('property: total = subtotal + VAT, nothing negative, VAT never above total', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), vat, fc.boolean(), (lines, p, inc) => {
        const b = computeBill(lines, p, inc);
        assert.equal(b.subtotalFils + b.vatFils, b.totalFils);
        for (const l of b.lines) {
          assert.ok(l.discountFils >= 0 && l.netFils >= 0 && l.vatFils >= 0 && l.totalFils >= 0, "l.discountFils >= 0 && l.netFils >= 0 && l.vatFils >= 0 && l.totalFils >= 0");
          assert.ok(l.vatFils <= l.totalFils, "l.vatFils <= l.totalFils");
          assert.equal(l.grossFils - l.discountFils, l.netFils);
        }
        assert.ok(b.subtotalFils >= 0, "b.subtotalFils >= 0");
      }),
    );
  });

  it('property: a line equals an independent integer-Number reference', () => {
    // Number is exact below 2^53, and rate ≤ 1e7 fils × quantity ≤ 1e3 × 1e4 hundredths stays below it.
    const ref = (a: number, b: number) => Math.floor((2 * a + b) / (2 * b));
    fc.assert(
      fc.property(line, vat, fc.boolean(), (l, p, inc) => {
        const a = computeLine(l, p, inc);
        const gross = l.rateFils * l.quantity;
        const d = Math.round(l.discountPercent * 100);
        const ph = Math.round(p * 100);
        const discount = ref(gross * d, 10_000);
        const net = gross - discount;
        const v = inc ? ref(net * ph, 10_000 + ph) : ref(net * ph, 10_000);
        assert.deepEqual(a, { grossFils: gross, discountFils: discount, netFils: net, vatFils: v, totalFils: inc ? net : net + v });
      }),
    );
  });

  it('status follows paid and total', () => {
    assert.equal(statusOf(1000, 0), 'Pending');
    assert.equal(statusOf(1000, 1), 'Partial');
    assert.equal(statusOf(1000, 1000), 'Paid');
    assert.equal(statusOf(0, 0), 'Paid');
  });
});

describe('bill arithmetic: properties over payments and cancellation', () => {
  it('property (against the service): paid + balance = total and the status follows for any payments; a refused one changes nothing', async function () {
    this.timeout(60_000);
    const shop = await newShop();
    const product = await addProduct(shop.shopId, 'Alteration', 0.35);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 400 }), fc.array(fc.integer({ min: 1, max: 20_000 }), { maxLength: 6 }), async (qty, attempts) => {
        const bill = await post('/api/bills', { items: [{ product_id: product, quantity: qty }] }, shop.token);
        assert.equal(bill.status, 201, JSON.stringify(bill.body));
        const total = Math.round(bill.body.total_amount * 100);
        let paid = 0;
        for (const fils of attempts) {
          const r = await post(`/api/bills/${bill.body.id}/payments`, { amount: fils / 100, method: 'Cash' }, shop.token);
          if (fils > total - paid) {
            assert.equal(r.status, 422, 'a payment over the balance is refused');
          } else {
            assert.ok(r.status < 300, JSON.stringify(r.body));
            paid += fils;
          }
          const now = (await get(`/api/bills/${bill.body.id}`, shop.token)).body;
          assert.equal(Math.round(now.paid * 100), paid);
          assert.equal(Math.round(now.paid * 100) + Math.round(now.balance * 100), total);
          assert.equal(now.status, paid >= total ? 'Paid' : paid > 0 ? 'Partial' : 'Pending');
        }
      }),
      { numRuns: 12 },
    );
  });

  it('property (against the service): a cancellation undoes every figure its bill moved', async function () {
    this.timeout(120_000);
    const shop = await newShop();
    // one after another: the fixture makes the product type on first use
    const products: number[] = [];
    for (const [name, rate] of [['Kandura', 150], ['Hem', 12.5], ['Press', 0.75]] as const) products.push(await addProduct(shop.shopId, name, rate));
    const employees = [await addEmployee(shop.shopId, 'Rashid'), await addEmployee(shop.shopId, 'Anil')];
    const customers: number[] = [];
    for (const [i, area] of ['Deira', 'Al Barsha'].entries()) {
      const c = await post('/api/customers', { name: `Regular ${i}`, phone: `05011100${10 + i}`, area }, shop.token);
      customers.push(c.body.id);
    }
    const { sql, redis, deps } = env();
    const line = fc.record({ product: fc.constantFrom(...products), quantity: fc.integer({ min: 1, max: 20 }), discount: fc.constantFrom(0, 10, 33.33) });
    const bill = fc.record({
      lines: fc.array(line, { minLength: 1, maxLength: 5 }),
      employee: fc.option(fc.constantFrom(...employees), { nil: undefined }),
      customer: fc.option(fc.constantFrom(...customers), { nil: undefined }),
      // shares of the total paid (at most 3 × 33 %, never more than the total), each in a method of the shop
      payments: fc.array(fc.tuple(fc.constantFrom('Cash', 'Card'), fc.integer({ min: 1, max: 33 })), { maxLength: 3 }),
    });
    const dashboard = async () => {
      await settled(shop.shopId);
      const { seq: _seq, ...d } = (await get('/api/dashboard', shop.token)).body;
      return d;
    };
    await fc.assert(
      fc.asyncProperty(bill, async (b) => {
        const before = await dashboard();
        const quote = await post('/api/bills/quote', { items: b.lines.map((l) => ({ product_id: l.product, quantity: l.quantity, discount_percent: l.discount })) }, shop.token);
        const total = Math.round(quote.body.total_amount * 100);
        const payments = b.payments.map(([method, pct]) => ({ method, amount: Math.floor((total * pct) / 100) / 100 })).filter((x) => x.amount > 0);
        const made = await post(
          '/api/bills',
          {
            items: b.lines.map((l) => ({ product_id: l.product, quantity: l.quantity, discount_percent: l.discount })),
            ...(b.employee ? { employee_id: b.employee } : {}),
            ...(b.customer ? { customer: { id: b.customer } } : {}),
            payments,
          },
          shop.token,
        );
        assert.equal(made.status, 201, JSON.stringify(made.body));
        const cancelled = await post(`/api/bills/${made.body.id}/cancel`, { reason: 'property' }, shop.token);
        assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
        assert.deepEqual(await dashboard(), before, 'the dashboard is where it was before the bill');
      }),
      { numRuns: 10 },
    );
    const v = await verifyShop(sql, redis, deps.keys, shop.shopId);
    assert.deepEqual([v.error, v.differences], [undefined, []]);
  });
});
