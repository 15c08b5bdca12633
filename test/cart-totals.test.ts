/**
 * The terminal page prices a cart offline with public/src/cart.ts, which runs the server's own
 * arithmetic module. On random bills — rates, quantities, line discounts, a tier discount, both
 * price modes, two VAT rates — its result equals what the server computes for the same bill
 * (POST /api/bills/quote, the same plan as POST /api/bills), fils for fils.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cartTotals } from '../public/src/cart.ts';
import { addProduct } from './support/fixtures.ts';
import { get, newShop, post, put } from './support/http.ts';

describe("the terminal's cart totals equal the server's (property)", () => {
  it('on random bills in inclusive and exclusive shops, with and without a tier discount', async () => {
    const shops = await Promise.all([
      newShop({ prices_include_vat: true, vat_percent: 5 }),
      newShop({ prices_include_vat: false, vat_percent: 5 }),
      newShop({ prices_include_vat: false, vat_percent: 12.5 }),
    ]);
    const setups = await Promise.all(
      shops.map(async (s, i) => {
        const product = await addProduct(s.shopId, 'Item', 10);
        // a customer in the lowest tier, whose discount becomes 7.5%
        const first = await post('/api/bills', { customer: { phone: `05522200${10 + i}`, name: 'Tiered' }, items: [{ product_id: product, quantity: 1 }] }, s.token);
        const tiers = (await get('/api/loyalty/tiers', s.token)).body;
        const items = (tiers.items ?? tiers).map((t: any, k: number) => ({
          name: t.name, threshold_points: t.threshold_points, multiplier: t.multiplier, discount_percent: k === 0 ? 7.5 : t.discount_percent, perks: t.perks ?? '', colour: t.colour,
        }));
        const put1 = await put('/api/loyalty/tiers', { tiers: items }, s.token);
        assert.equal(put1.status, 200, JSON.stringify(put1.body));
        return { s, product, customer: first.body.customer_id as number, vat: i === 2 ? 12.5 : 5, inclusive: i === 0 };
      }),
    );
    const money = fc.integer({ min: 1, max: 500_000 }).map((f) => f / 100);
    const line = fc.record({
      rate: money,
      quantity: fc.integer({ min: 1, max: 50 }),
      discount: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10_000 }).map((h) => h / 100)),
    });
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...setups), fc.array(line, { minLength: 1, maxLength: 8 }), fc.boolean(), async (set, lines, tiered) => {
        const items = lines.map((l) => ({ product_id: set.product, quantity: l.quantity, rate: l.rate, ...(l.discount > 0 ? { discount_percent: l.discount } : {}) }));
        const q = await post('/api/bills/quote', { items, ...(tiered ? { customer: { id: set.customer } } : {}) }, set.s.token);
        assert.equal(q.status, 200, JSON.stringify(q.body));
        const page = cartTotals(
          lines.map((l) => ({ product_id: set.product, name: 'Item', rate: l.rate, quantity: l.quantity, discount_percent: l.discount })),
          set.vat,
          set.inclusive,
          tiered ? 7.5 : 0,
        );
        assert.deepEqual(
          [page.subtotal, page.discount, page.vat, page.total, page.lines.map((x) => [x.discount_percent, x.vat, x.total])],
          [q.body.subtotal, q.body.discount, q.body.vat_amount, q.body.total_amount, q.body.items.map((x: any) => [x.discount_percent, x.vat_amount, x.total])],
        );
      }),
      { numRuns: 60 },
    );
  });
});
