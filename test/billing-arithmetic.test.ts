import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computeBill, computeLine, statusOf } from '../src/domain/billing/arithmetic.ts';
import { divRound } from '../src/domain/common/money.ts';
import { addProduct } from './support/fixtures.ts';
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

  it('property: a cancellation undoes every figure its bill moved', async () => {
    const { opsFor } = await import('../src/domain/aggregates/ops.ts');
    const line = fc.tuple(fc.option(fc.integer({ min: 1, max: 50 }), { nil: null }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 1_000_000 }));
    const payment = fc.tuple(fc.constantFrom('Cash', 'Card', 'Loyalty'), fc.integer({ min: 1, max: 100_000 }));
    fc.assert(
      fc.property(
        fc.record({
          total: fc.integer({ min: 0, max: 10_000_000 }),
          vat: fc.integer({ min: 0, max: 500_000 }),
          hour: fc.integer({ min: 0, max: 23 }),
          employee_id: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
          customer_id: fc.option(fc.integer({ min: 1, max: 9 }), { nil: null }),
          area: fc.option(fc.constantFrom('Deira', 'Al Barsha'), { nil: null }),
          lines: fc.array(line, { minLength: 1, maxLength: 5 }),
          payments: fc.array(payment, { maxLength: 3 }),
        }),
        (b) => {
          const paid = b.payments.reduce((s, p) => s + p[1], 0);
          const total = Math.max(b.total, paid);
          const facts = { bill_id: 1, bill_number: 'BILL-20261128-001', day: '2026-11-28', hour: b.hour, created_ms: 1, total, vat: b.vat, employee_id: b.employee_id, customer_id: b.customer_id, area: b.area, lines: b.lines, names: { p: {}, e: {}, c: {} } };
          const status = paid >= total ? 'Paid' : paid > 0 ? 'Partial' : 'Pending';
          const created = opsFor({ seq: 1, kind: 'bill_created', entity_id: 1, payload: { ...facts, status, paid, payments: b.payments.map(([m, a]) => [m, a, '2026-11-28']), new_customer: false, loyalty: null } });
          const cancelled = opsFor({ seq: 2, kind: 'bill_cancelled', entity_id: 1, payload: { ...facts, status_before: status, paid_before: paid, refunds: b.payments.map(([m, a]) => [m, -a, '2026-11-28']), loyalty: null } });
          const net = new Map<string, number>();
          for (const op of [...created, ...cancelled]) {
            if (op.op !== 'hi' && op.op !== 'zi') continue; // 'hm' last visit and 'hs' snapshots are not sums
            const k = `${op.key} ${op.field}`;
            net.set(k, (net.get(k) ?? 0) + Number(op.value));
          }
          for (const [k, v] of net) assert.equal(v, 0, k);
        },
      ),
    );
  });
});
