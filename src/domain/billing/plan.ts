/**
 * A bill's plan, pure: from the request and what the shop and its rows say, everything the bill
 * will be, with every rule of DOMAIN.md checked, and no I/O. createBill (create.ts) loads the
 * inputs, plans and writes (write.ts); the terminal's quote (quote.ts) prices with the same code,
 * so a quote is exactly what the bill will be.
 * - priceBill: the VAT rate in force, the lines at the product's rate (a line's own rate only for
 *   owners and managers; an offline line's rate must be the price at the time of sale), the
 *   tier's discount on lines without their own, the arithmetic (arithmetic.ts), the bound on the
 *   total, and the dates the shop's defaults fill in;
 * - settleBill: payments (points first, then money: methods from the shop's list, never more than
 *   the total; payment mode "full" takes the balance in the shop's first method), the status, and
 *   loyalty (earned on the total with the tier held before the bill; redemption within the
 *   programme's limits).
 */
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { fromFils, MAX_BILL_TOTAL_FILS, toFils, twoDecimals } from '../common/index.ts';
import { appliedDiscount, computeBill, statusOf } from './arithmetic.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import { checkRedemption, pointsEarned, type TierRow, tierHeld } from './loyalty-rules.ts';
import type { CreateBillBody } from './schema.ts';
import type { ShopBillingContext } from './shop-context.ts';

export const LOYALTY_METHOD = 'Loyalty';

type Item = CreateBillBody['items'][number];

export interface LineProduct {
  id: number;
  name: string;
  /** the price at the time of sale: now, or at client_created_at for an offline bill (null: the product had no price then) */
  rate_fils: number | null;
  /** the price now (differs from rate_fils only for offline bills) */
  rate_now_fils: number;
  type_name: string;
}

/** What else shapes a bill's prices beyond the request and the shop. */
export interface PriceOptions {
  /**
   * The discount % of the customer's tier (DOMAIN.md "Loyalty"): applied to every line that
   * carries no discount of its own (discount_percent absent or 0). Default 0.
   */
  tierDiscountPercent?: number;
  /** An offline sale (client_created_at): a line's rate must be the product's price at that time. Default false. */
  offline?: boolean;
}

/** `day` + `n` days, as YYYY-MM-DD (calendar arithmetic: no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/**
 * Prices the lines of a bill: live, active products of the shop (from lineProducts) at their
 * current rate (a line's own rate only for owners and managers), then the bill arithmetic. Shared
 * by createBill and the terminal's quote, so a quote is exactly what the bill will be.
 */
function priceLines(p: Principal, items: Item[], products: LineProduct[], vatPercent: number, pricesIncludeVat: boolean, opts: PriceOptions) {
  // the arithmetic works in hundredths of a percent; more decimals are the client's error, not a 500
  const badDiscounts = twoDecimals(Object.fromEntries(items.flatMap((it, i) => (it.discount_percent === undefined ? [] : [[`items.${i}.discount_percent`, it.discount_percent]]))));
  if (badDiscounts.length) throw ERRORS.validation(badDiscounts);
  const byId = new Map(products.map((x) => [x.id, x]));
  const canOverride = p.role === 'owner' || p.role === 'manager';
  const lines = items.map((item, i) => {
    const product = byId.get(item.product_id);
    if (!product) throw ERRORS.invalidReference(`items.${i}.product_id is not an active product of this shop`);
    const stale = () =>
      ERRORS.businessRule('stale_price', `items.${i}.rate was not the product's price at the time of sale`, {
        product_id: product.id,
        // the rate the line carried (what the terminal charged), beside the prices then and now
        ...(item.rate === undefined ? {} : { rate: item.rate }),
        price_then: product.rate_fils === null ? null : fromFils(product.rate_fils),
        price_now: fromFils(product.rate_now_fils),
      });
    // a product that had no price at the time of sale did not exist then
    if (product.rate_fils === null) throw stale();
    let rateFils = product.rate_fils;
    if (item.rate !== undefined) {
      const asked = toFils(item.rate, `items.${i}.rate`);
      if (asked !== rateFils) {
        // the page sold at the price it had then; a different one is a price it missed, not an override
        if (opts.offline) throw stale();
        if (!canOverride) throw ERRORS.forbidden('Only owners and managers may change a line rate');
      }
      rateFils = asked;
    }
    return { item, product, rateFils, discountPercent: appliedDiscount(item.discount_percent, opts.tierDiscountPercent) };
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


export type PricedBill = ReturnType<typeof priceLines> & {
  billDate: string;
  vatPercent: number;
  /** the request's, else the bill date plus the shop's default days (null when the shop hides the field) */
  deliveryDate: string | null;
  trialDate: string | null;
};

/**
 * The bill's lines and amounts on its date's VAT rate (422 when none is in force), and its
 * delivery and trial dates: a date the request leaves out is the bill date plus the shop's
 * default days (DOMAIN.md "Shop settings"), unless the shop's bill form hides that field.
 */
export function priceBill(p: Principal, body: CreateBillBody, ctx: ShopBillingContext, products: LineProduct[], opts: PriceOptions = {}): PricedBill {
  const billDate = body.bill_date ?? ctx.today;
  if (ctx.vatPercent === undefined) {
    throw ERRORS.businessRule('no_vat_rate', `No VAT rate is in force on ${billDate}; add one in the shop settings`);
  }
  if (body.delivery_date && body.delivery_date < billDate) {
    throw ERRORS.validation([{ field: 'delivery_date', message: 'must not be before the bill date' }]);
  }
  const deliveryDate = body.delivery_date ?? (ctx.defaults.deliveryDays === null ? null : addDays(billDate, ctx.defaults.deliveryDays));
  const trialDate = body.trial_date ?? (ctx.defaults.trialDays === null ? null : addDays(billDate, ctx.defaults.trialDays));
  return {
    ...priceLines(p, body.items, products, ctx.vatPercent, ctx.pricesIncludeVat, opts),
    billDate,
    vatPercent: ctx.vatPercent,
    deliveryDate,
    trialDate,
  };
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
  const tierBefore = tierHeld(account, tiers);
  const earned = loyaltyOn && account ? pointsEarned(total, ctx.loyalty.points_per_unit, tierBefore?.multiplier ?? 1) : 0;
  return { payments, paid, status: statusOf(total, paid), redeemed, earned, loyaltyOn, tierBefore };
}

/** Everything a bill will be: priced and settled. */
export type BillPlan = PricedBill & Settlement;
