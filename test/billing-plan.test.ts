/**
 * The bill's plan is pure (src/domain/billing/plan.ts): the rules of DOMAIN.md checked on plain
 * values, no database. The service tests (billing.test.ts) check the same through the API.
 */
import assert from 'node:assert/strict';
import type { Principal } from '../src/domain/auth/principal.ts';
import { type LineProduct, priceBill, settleBill } from '../src/domain/billing/plan.ts';
import type { ShopBillingContext } from '../src/domain/billing/shop-context.ts';

const owner: Principal = { kind: 'user', id: 1, shopId: 1, role: 'owner' };
const cashier: Principal = { kind: 'user', id: 2, shopId: 1, role: 'cashier' };
const products: LineProduct[] = [
  { id: 1, name: 'Kandura', rate_fils: 10_000, rate_now_fils: 10_000, type_name: 'Tailoring' },
  { id: 2, name: 'Hem', rate_fils: 5_000, rate_now_fils: 5_000, type_name: 'Tailoring' },
];
const ctx = (over: Partial<ShopBillingContext> = {}): ShopBillingContext => ({
  now: new Date('2026-12-01T08:00:00Z'),
  timezone: 'Asia/Dubai',
  today: '2026-12-01',
  vatPercent: 5,
  pricesIncludeVat: false,
  paymentMode: 'advance',
  paymentMethods: ['Cash', 'Card'],
  loyalty: { enabled: true, points_per_unit: 1, point_value_fils: 1, min_redeem_points: 100, max_redeem_percent: 20 },
  defaults: { deliveryDays: 3, trialDays: 2, employeeId: null, offlineWindowDays: 7 },
  ...over,
});
const tiers = [
  { id: 10, name: 'Bronze', threshold_points: 0, multiplier: 1, discount_percent: 0 },
  { id: 11, name: 'Silver', threshold_points: 1000, multiplier: 1.1, discount_percent: 5 },
];
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'none';
};

describe('the bill plan (pure)', () => {
  it("prices DOMAIN.md's worked example: 2×100, 1×50, 1×200 exclusive at 5% is 450.00 + 22.50", () => {
    const body = { items: [{ product_id: 1, quantity: 2 }, { product_id: 2, quantity: 1 }, { product_id: 1, quantity: 2 }] };
    const priced = priceBill(owner, body, ctx(), products);
    assert.deepEqual([priced.amounts.subtotalFils, priced.amounts.vatFils, priced.amounts.totalFils], [45_000, 2_250, 47_250]);
    assert.equal(priced.billDate, '2026-12-01');
  });

  it('refuses what DOMAIN.md refuses, before anything is written', () => {
    const items = [{ product_id: 1, quantity: 1 }];
    assert.equal(code(() => priceBill(owner, { items }, ctx({ vatPercent: undefined }), products)), 'no_vat_rate');
    assert.equal(code(() => priceBill(owner, { items, delivery_date: '2026-11-30' }, ctx(), products)), 'validation_failed');
    assert.equal(code(() => priceBill(cashier, { items: [{ product_id: 1, quantity: 1, rate: 50 }] }, ctx(), products)), 'forbidden');
    assert.equal(code(() => priceBill(owner, { items: [{ product_id: 9, quantity: 1 }] }, ctx(), products)), 'invalid_reference');
    const priced = priceBill(owner, { items }, ctx(), products);
    assert.equal(code(() => settleBill(priced, { body: { items, payments: [{ amount: 200, method: 'Cash' }] }, ctx: ctx(), tiers: [] })), 'overpayment');
    assert.equal(code(() => settleBill(priced, { body: { items, payments: [{ amount: 1, method: 'Cheque' }] }, ctx: ctx(), tiers: [] })), 'unknown_payment_method');
    assert.equal(code(() => settleBill(priced, { body: { items, redeem_points: 100 }, ctx: ctx(), tiers: [] })), 'customer_required');
  });

  it('settles: "full" mode takes the balance in the first method; points pay first and earn with the tier held before', () => {
    const items = [{ product_id: 1, quantity: 1 }];
    const priced = priceBill(owner, { items }, ctx(), products); // 105.00
    const full = settleBill(priced, { body: { items }, ctx: ctx({ paymentMode: 'full' }), tiers: [] });
    assert.deepEqual([full.payments, full.status], [[{ method: 'Cash', fils: 10_500 }], 'Paid']);
    const account = { available_points: 500, lifetime_points: 1200, tier_id: 11 };
    const s = settleBill(priced, { body: { items, redeem_points: 100 }, ctx: ctx(), customerId: 5, account, tiers });
    assert.deepEqual(s.payments, [{ method: 'Loyalty', fils: 100 }]);
    assert.equal(s.status, 'Partial');
    assert.equal(s.tierBefore?.name, 'Silver');
    assert.equal(s.earned, Math.floor(105 * 1.1));
  });

  it("applies the tier's discount to lines without their own, in the arithmetic's order (DOMAIN.md)", () => {
    const body = { items: [{ product_id: 1, quantity: 1 }, { product_id: 2, quantity: 1, discount_percent: 20 }, { product_id: 2, quantity: 1, discount_percent: 0 }] };
    const priced = priceBill(owner, body, ctx(), products, { tierDiscountPercent: 5 });
    assert.deepEqual(priced.lines.map((l) => l.discountPercent), [5, 20, 5]);
    // 100 − 5 = 95, 50 − 10 = 40, 50 − 2.50 = 47.50: net 182.50, VAT 9.13 (4.75 + 2.00 + 2.38)
    assert.deepEqual([priced.amounts.discountFils, priced.amounts.vatFils, priced.amounts.totalFils], [1_750, 913, 19_163]);
  });

  it('fills delivery and trial dates from the default days, and leaves a hidden field empty', () => {
    const items = [{ product_id: 1, quantity: 1 }];
    const priced = priceBill(owner, { items }, ctx({ today: '2026-12-30' }), products);
    assert.deepEqual([priced.deliveryDate, priced.trialDate], ['2027-01-02', '2027-01-01']);
    const own = priceBill(owner, { items, delivery_date: '2026-12-31' }, ctx({ today: '2026-12-30', defaults: { deliveryDays: 3, trialDays: null, employeeId: null, offlineWindowDays: 7 } }), products);
    assert.deepEqual([own.deliveryDate, own.trialDate], ['2026-12-31', null]);
  });

  it('an offline line must carry the price at the time of sale: else stale_price with then and now', () => {
    const then: LineProduct[] = [{ id: 1, name: 'Kandura', rate_fils: 9_000, rate_now_fils: 10_000, type_name: 'Tailoring' }];
    const ok = priceBill(cashier, { items: [{ product_id: 1, quantity: 1, rate: 90 }] }, ctx(), then, { offline: true });
    assert.equal(ok.lines[0]!.rateFils, 9_000);
    try {
      priceBill(cashier, { items: [{ product_id: 1, quantity: 1, rate: 100 }] }, ctx(), then, { offline: true });
      assert.fail('accepted a stale price');
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'stale_price');
      assert.deepEqual((err as { details?: unknown }).details, { product_id: 1, rate: 100, price_then: 90, price_now: 100 });
    }
  });
});
