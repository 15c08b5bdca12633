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
  { id: 1, name: 'Kandura', rate_fils: 10_000, type_name: 'Tailoring' },
  { id: 2, name: 'Hem', rate_fils: 5_000, type_name: 'Tailoring' },
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
  ...over,
});
const tiers = [
  { id: 10, name: 'Bronze', threshold_points: 0, multiplier: 1 },
  { id: 11, name: 'Silver', threshold_points: 1000, multiplier: 1.1 },
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
});
