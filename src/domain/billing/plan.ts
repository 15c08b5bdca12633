/**
 * A bill's plan, pure: from the request and what the shop and its rows say, everything the bill
 * will be, with every rule of DOMAIN.md checked, and no I/O. createBill (create.ts) loads the
 * inputs, plans and writes (write.ts); the terminal's quote (quote.ts) prices with the same code,
 * so a quote is exactly what the bill will be.
 * - priceBill: the VAT rate in force, the lines at the product's rate (a line's own rate only for
 *   owners and managers), the arithmetic (arithmetic.ts), the bound on the total;
 * - settleBill: payments (points first, then money: methods from the shop's list, never more than
 *   the total; payment mode "full" takes the balance in the shop's first method), the status, and
 *   loyalty (earned on the total with the tier held before the bill; redemption within the
 *   programme's limits).
 */
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { fromFils, MAX_BILL_TOTAL_FILS, toFils, twoDecimals } from '../common/index.ts';
import { computeBill, statusOf } from './arithmetic.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import { tierFor } from '../loyalty/index.ts';
import { checkRedemption, pointsEarned, type TierRow } from './loyalty-rules.ts';
import type { CreateBillBody } from './schema.ts';
import type { ShopBillingContext } from './shop-context.ts';

export const LOYALTY_METHOD = 'Loyalty';

type Item = CreateBillBody['items'][number];

export interface LineProduct {
  id: number;
  name: string;
  rate_fils: number;
  type_name: string;
}

/**
 * Prices the lines of a bill: live, active products of the shop (from lineProducts) at their
 * current rate (a line's own rate only for owners and managers), then the bill arithmetic. Shared
 * by createBill and the terminal's quote, so a quote is exactly what the bill will be.
 */
function priceLines(p: Principal, items: Item[], products: LineProduct[], vatPercent: number, pricesIncludeVat: boolean) {
  // the arithmetic works in hundredths of a percent; more decimals are the client's error, not a 500
  const badDiscounts = twoDecimals(Object.fromEntries(items.flatMap((it, i) => (it.discount_percent === undefined ? [] : [[`items.${i}.discount_percent`, it.discount_percent]]))));
  if (badDiscounts.length) throw ERRORS.validation(badDiscounts);
  const byId = new Map(products.map((x) => [x.id, x]));
  const canOverride = p.role === 'owner' || p.role === 'manager';
  const lines = items.map((item, i) => {
    const product = byId.get(item.product_id);
    if (!product) throw ERRORS.invalidReference(`items.${i}.product_id is not an active product of this shop`);
    let rateFils = product.rate_fils;
    if (item.rate !== undefined) {
      const asked = toFils(item.rate, `items.${i}.rate`);
      if (asked !== rateFils && !canOverride) throw ERRORS.forbidden('Only owners and managers may change a line rate');
      rateFils = asked;
    }
    return { item, product, rateFils, discountPercent: item.discount_percent ?? 0 };
  });
  const amounts = computeBill(
    lines.map((l) => ({ rateFils: l.rateFils, quantity: l.item.quantity, discountPercent: l.discountPercent })),
    vatPercent,
    pricesIncludeVat,
  );
  // Each line is within the schema's bounds, but 200 of them need not be: the bound on the total
  // keeps every sum the aggregates keep far below 2^53 fils (DOMAIN.md "Bounds").
  if (amounts.totalFils > MAX_BILL_TOTAL_FILS) {
    throw ERRORS.businessRule('bill_total_too_large', `A bill total may be at most ${fromFils(MAX_BILL_TOTAL_FILS)}`, {
      total_amount: fromFils(amounts.totalFils),
      max: fromFils(MAX_BILL_TOTAL_FILS),
    });
  }
  return { lines, products, amounts };
}


export type PricedBill = ReturnType<typeof priceLines> & { billDate: string; vatPercent: number };

/** The bill's lines and amounts on its date's VAT rate (422 when none is in force). */
export function priceBill(p: Principal, body: CreateBillBody, ctx: ShopBillingContext, products: LineProduct[]): PricedBill {
  const billDate = body.bill_date ?? ctx.today;
  if (ctx.vatPercent === undefined) {
    throw ERRORS.businessRule('no_vat_rate', `No VAT rate is in force on ${billDate}; add one in the shop settings`);
  }
  if (body.delivery_date && body.delivery_date < billDate) {
    throw ERRORS.validation([{ field: 'delivery_date', message: 'must not be before the bill date' }]);
  }
  return { ...priceLines(p, body.items, products, ctx.vatPercent, ctx.pricesIncludeVat), billDate, vatPercent: ctx.vatPercent };
}

export interface SettleInputs {
  body: CreateBillBody;
  ctx: ShopBillingContext;
  /** the bill's customer, when it names one */
  customerId?: number;
  /** the customer's locked loyalty account, when the programme is on */
  account?: LockedAccount;
  tiers: TierRow[];
}

export interface Settlement {
  payments: { method: string; fils: number }[];
  paid: number;
  status: ReturnType<typeof statusOf>;
  redeemed: number;
  earned: number;
  /** the programme counts this bill (enabled, with a customer) */
  loyaltyOn: boolean;
  tierBefore: TierRow | undefined;
}

/** Payments, status and loyalty for a priced bill. */
export function settleBill(priced: PricedBill, s: SettleInputs): Settlement {
  const { body, ctx, account, tiers } = s;
  const total = priced.amounts.totalFils;
  const loyaltyOn = ctx.loyalty.enabled && s.customerId !== undefined;
  // Payments: points first, then money.
  const payments: { method: string; fils: number }[] = [];
  let redeemed = 0;
  if (body.redeem_points !== undefined) {
    if (s.customerId === undefined) throw ERRORS.businessRule('customer_required', 'Redeeming points needs a customer');
    const check = checkRedemption(body.redeem_points, account?.available_points ?? 0, total, ctx.loyalty);
    if (!check.ok) throw ERRORS.businessRule(check.code, check.message);
    redeemed = body.redeem_points;
    payments.push({ method: LOYALTY_METHOD, fils: check.valueFils });
  }
  for (const [i, pay] of (body.payments ?? []).entries()) {
    if (!ctx.paymentMethods.includes(pay.method)) {
      throw ERRORS.businessRule('unknown_payment_method', `payments.${i}.method is not one of the shop's payment methods`);
    }
    payments.push({ method: pay.method, fils: toFils(pay.amount, `payments.${i}.amount`) });
  }
  let paid = payments.reduce((sum, x) => sum + x.fils, 0);
  if (paid > total) throw ERRORS.businessRule('overpayment', 'Payments exceed the bill total');
  if (ctx.paymentMode === 'full' && paid < total) {
    if (body.payments && body.payments.length > 0) {
      throw ERRORS.businessRule('payment_required', 'This shop takes bills fully paid; the payments do not cover the total');
    }
    payments.push({ method: ctx.paymentMethods[0] ?? 'Cash', fils: total - paid });
    paid = total;
  }
  // A newly enrolled account has no tier yet: it holds the one its lifetime points give (the lowest).
  const tierBefore = account && (tiers.find((t) => t.id === account.tier_id) ?? tierFor(tiers, account.lifetime_points));
  const earned = loyaltyOn && account ? pointsEarned(total, ctx.loyalty.points_per_unit, tierBefore?.multiplier ?? 1) : 0;
  return { payments, paid, status: statusOf(total, paid), redeemed, earned, loyaltyOn, tierBefore };
}

/** Everything a bill will be: priced and settled. */
export type BillPlan = PricedBill & Settlement;
