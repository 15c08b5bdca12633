/**
 * The counter's cart and its totals. The totals come from the server's own arithmetic module
 * (src/domain/billing/arithmetic.ts, bundled into the page), not a copy: a bill priced here
 * offline is exactly what the server computes when it syncs (test/cart-totals.test.ts checks it
 * on random bills).
 */
import { appliedDiscount, computeBill } from '../../src/domain/billing/arithmetic.ts';

export interface CartLine {
  product_id: number;
  name: string;
  /** the product's price when it was added (currency units) */
  rate: number;
  quantity: number;
  /** the line's own discount %, 0 for none (the customer's tier discount then applies) */
  discount_percent: number;
}

export interface VatRate {
  rate_percent: number;
  effective_from: string;
  effective_to: string | null;
}

export interface CartTotals {
  lines: { discount_percent: number; discount: number; vat: number; total: number }[];
  subtotal: number;
  discount: number;
  vat: number;
  total: number;
}

const fils = (v: number) => Math.round(v * 100);
const units = (v: number) => v / 100;

/** The shop's VAT rate in force on a YYYY-MM-DD day (undefined when none is). */
export function vatOn(rates: readonly VatRate[], day: string): number | undefined {
  const r = rates.find((v) => v.effective_from <= day && (v.effective_to === null || v.effective_to >= day));
  return r === undefined ? undefined : Number(r.rate_percent);
}

export function cartTotals(lines: readonly CartLine[], vatPercent: number, pricesIncludeVat: boolean, tierDiscountPercent = 0): CartTotals {
  const discounts = lines.map((l) => appliedDiscount(l.discount_percent, tierDiscountPercent));
  const a = computeBill(
    lines.map((l, i) => ({ rateFils: fils(l.rate), quantity: l.quantity, discountPercent: discounts[i]! })),
    vatPercent,
    pricesIncludeVat,
  );
  return {
    lines: a.lines.map((x, i) => ({ discount_percent: discounts[i]!, discount: units(x.discountFils), vat: units(x.vatFils), total: units(x.totalFils) })),
    subtotal: units(a.subtotalFils),
    discount: units(a.discountFils),
    vat: units(a.vatFils),
    total: units(a.totalFils),
  };
}

/** Cash amounts a customer is likely to hand over for `due`: exact, then the next round notes. */
export function quickAmounts(due: number): number[] {
  const out = new Set<number>([Math.round(due * 100) / 100]);
  for (const step of [5, 10, 50, 100, 500]) {
    const up = Math.ceil(due / step) * step;
    if (up > due) out.add(up);
    if (out.size >= 5) break;
  }
  return [...out];
}
