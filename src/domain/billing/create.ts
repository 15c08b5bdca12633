/**
 * POST /api/bills: everything computed on the server, written in one transaction — the bill, its
 * lines (one row per line; identical lines stay separate), its first payments, the customer
 * (created from an unknown phone and enrolled in loyalty), the loyalty movements, and one event
 * for the aggregates. Rules (DOMAIN.md):
 * - VAT: the shop's rate in force on the bill date (422 when none); inclusive or exclusive per settings.
 * - Numbers: BILL-YYYYMMDD-NNN on the shop-local date of creation, from bill_counters (row lock
 *   held to commit: no duplicates, and a rolled-back bill gives its number back: no gaps).
 * - Rates: a line may carry its own rate only for owners and managers (403 otherwise).
 * - Payments: methods from the shop's list (plus "Loyalty" for points); their sum may not exceed
 *   the total (422). Payment mode "full": without payments, the balance is taken in the shop's
 *   first payment method; with payments that do not cover the total, 422.
 * - Loyalty: earned on the total with the tier held before the bill; redemption within the
 *   programme's limits (422 otherwise); tier re-evaluated at once.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { fromFils, toFils, twoDecimals } from '../common/money.ts';
import { MAX_BILL_TOTAL_FILS } from '../common/schema.ts';
import { normalizePhone } from '../common/phone.ts';
import { appendEvent } from '../events/append.ts';
import type { BillCreatedPayload, LoyaltySnapshot, PaymentFact } from '../events/payloads.ts';
import { computeBill, statusOf } from './arithmetic.ts';
import { type LockedAccount, lockLoyaltyAccount } from './loyalty-lock.ts';
import { checkRedemption, type LoyaltyConfigRow, pointsEarned, type TierRow, tierFor } from './loyalty-rules.ts';
import { takeBillNumber } from './numbering.ts';
import { type AccountStanding, accountStanding, type BillDetail, type BillRow, type LineRow, type PaymentRow, presentBill } from './present.ts';
import type { CreateBillBody } from './schema.ts';
import { loadShopBillingContext } from './shop-context.ts';

export const LOYALTY_METHOD = 'Loyalty';

interface CustomerRow {
  id: number;
  name: string;
  phone: string;
  city: string | null;
  area: string | null;
  trn: string | null;
  customer_type: string;
}

async function resolveCustomer(tx: Db, shopId: number, ref: NonNullable<CreateBillBody['customer']>): Promise<{ customer: CustomerRow; created: boolean }> {
  if (ref.id !== undefined) {
    const [c] = await tx<CustomerRow[]>`
      select id, name, phone, city, area, trn, customer_type from customers
      where shop_id = ${shopId} and id = ${ref.id} and deleted_at is null`;
    if (!c) throw ERRORS.invalidReference('customer.id is not a customer of this shop');
    return { customer: c, created: false };
  }
  if (!ref.phone || !ref.name) {
    throw ERRORS.validation([{ field: ref.phone ? 'customer.name' : 'customer.phone', message: 'is required (or give customer.id)' }]);
  }
  const phone = normalizePhone(ref.phone, 'customer.phone');
  const type = ref.customer_type ?? 'Individual';
  if (type === 'Business' && !ref.business_name) {
    throw ERRORS.validation([{ field: 'customer.business_name', message: 'is required for a business customer' }]);
  }
  const [inserted] = await tx<CustomerRow[]>`
    insert into customers (shop_id, name, phone, city, area, customer_type, business_name, trn)
    values (${shopId}, ${ref.name.trim()}, ${phone}, ${ref.city ?? null}, ${ref.area ?? null}, ${type},
            ${ref.business_name ?? null}, ${ref.trn ?? null})
    on conflict (shop_id, phone) where deleted_at is null do nothing
    returning id, name, phone, city, area, trn, customer_type`;
  if (inserted) return { customer: inserted, created: true };
  const [existing] = await tx<CustomerRow[]>`
    select id, name, phone, city, area, trn, customer_type from customers
    where shop_id = ${shopId} and phone = ${phone} and deleted_at is null`;
  return { customer: existing!, created: false };
}

export interface CreateBillOptions {
  /**
   * Write the event row. Default true; false exists only so bench/billing.ts can measure what
   * the event stream costs against the same transaction without it.
   */
  emitEvent?: boolean;
}

type Item = CreateBillBody['items'][number];

interface LineProduct {
  id: number;
  name: string;
  rate_fils: number;
  type_name: string;
}

/** The live, active products of the shop among the items' product ids. */
export async function lineProducts(tx: Db, shopId: number, items: Item[]): Promise<LineProduct[]> {
  const ids = [...new Set(items.map((i) => i.product_id))];
  return tx<LineProduct[]>`
    select p.id, p.name, p.rate_fils, t.name as type_name
    from products p join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
    where p.shop_id = ${shopId} and p.id in ${tx(ids)} and p.deleted_at is null and p.active`;
}

/**
 * Prices the lines of a bill: live, active products of the shop (from lineProducts) at their
 * current rate (a line's own rate only for owners and managers), then the bill arithmetic. Shared
 * by createBill and the terminal's quote, so a quote is exactly what the bill will be.
 */
export function priceLines(p: Principal, items: Item[], products: LineProduct[], vatPercent: number, pricesIncludeVat: boolean) {
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

export async function createBill(
  tx: Db,
  p: Principal,
  body: CreateBillBody,
  options: CreateBillOptions = {},
): Promise<{ bill: BillDetail; tierChanged: boolean; seq: number | undefined }> {
  const shopId = p.shopId;
  // the shop's context and the products in one pipelined round trip
  const [ctx, found] = await Promise.all([loadShopBillingContext(tx, shopId, body.bill_date), lineProducts(tx, shopId, body.items)]);
  const billDate = body.bill_date ?? ctx.today;
  if (ctx.vatPercent === undefined) {
    throw ERRORS.businessRule('no_vat_rate', `No VAT rate is in force on ${billDate}; add one in the shop settings`);
  }
  if (body.delivery_date && body.delivery_date < billDate) {
    throw ERRORS.validation([{ field: 'delivery_date', message: 'must not be before the bill date' }]);
  }

  const { lines, products, amounts } = priceLines(p, body.items, found, ctx.vatPercent, ctx.pricesIncludeVat);
  const total = amounts.totalFils;

  let employee: { id: number; name: string } | undefined;
  if (body.employee_id !== undefined) {
    [employee] = await tx<{ id: number; name: string }[]>`
      select id, name from employees where shop_id = ${shopId} and id = ${body.employee_id} and deleted_at is null and active`;
    if (!employee) throw ERRORS.invalidReference('employee_id is not an active employee of this shop');
  }

  let customer: CustomerRow | undefined;
  let newCustomer = false;
  if (body.customer) ({ customer, created: newCustomer } = await resolveCustomer(tx, shopId, body.customer));

  // Loyalty account, locked for the rest of the transaction (redemption and earning read-modify-write
  // it), with the tiers read under the programme lock so a concurrent tier replacement cannot change
  // them before the commit. Only bills with a customer in an enabled programme pay these round trips.
  const loyaltyOn = ctx.loyalty.enabled && customer !== undefined;
  let account: LockedAccount | undefined;
  let tiers: TierRow[] = [];
  if (loyaltyOn && customer) ({ account, tiers } = await lockLoyaltyAccount(tx, shopId, customer.id, true));

  // Payments: points first, then money.
  const payments: { method: string; fils: number }[] = [];
  let redeemed = 0;
  if (body.redeem_points !== undefined) {
    if (!customer) throw ERRORS.businessRule('customer_required', 'Redeeming points needs a customer');
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
  let paid = payments.reduce((s, x) => s + x.fils, 0);
  if (paid > total) throw ERRORS.businessRule('overpayment', 'Payments exceed the bill total');
  if (ctx.paymentMode === 'full' && paid < total) {
    if (body.payments && body.payments.length > 0) {
      throw ERRORS.businessRule('payment_required', 'This shop takes bills fully paid; the payments do not cover the total');
    }
    payments.push({ method: ctx.paymentMethods[0] ?? 'Cash', fils: total - paid });
    paid = total;
  }
  const status = statusOf(total, paid);

  // Loyalty outcome.
  let earned = 0;
  // A newly enrolled account has no tier yet: it holds the one its lifetime points give (the lowest).
  const tierBefore = account && (tiers.find((t) => t.id === account.tier_id) ?? tierFor(tiers, account.lifetime_points));
  if (loyaltyOn && customer && account) {
    earned = pointsEarned(total, ctx.loyalty.points_per_unit, tierBefore?.multiplier ?? 1);
  }

  // the day's next number and the bill in one statement
  const [bill] = await tx<(BillRow & { hour: number })[]>`
    ${takeBillNumber(tx, shopId, ctx.today)}
    insert into bills (
      shop_id, bill_number, bill_date, delivery_date, trial_date, customer_id, customer_name, customer_phone,
      customer_city, customer_area, customer_trn, customer_type, employee_id, notes, vat_percent, prices_include_vat,
      subtotal_fils, discount_fils, vat_fils, total_fils, paid_fils, status, points_earned, points_redeemed,
      loyalty_counted, created_by_user, created_by_terminal)
    select
      ${shopId}, numbered.bill_number, ${billDate}, ${body.delivery_date ?? null}, ${body.trial_date ?? null},
      ${customer?.id ?? null}, ${customer?.name ?? null}, ${customer?.phone ?? null}, ${customer?.city ?? null},
      ${customer?.area ?? null}, ${customer?.trn ?? null}, ${customer?.customer_type ?? null},
      ${body.employee_id ?? null}, ${body.notes ?? null}, ${ctx.vatPercent}, ${ctx.pricesIncludeVat},
      ${amounts.subtotalFils}, ${amounts.discountFils}, ${amounts.vatFils}, ${total}, ${paid}, ${status},
      ${earned}, ${redeemed}, ${Boolean(loyaltyOn && account)}, ${p.kind === 'user' ? p.id : null}, ${p.kind === 'terminal' ? p.id : null}
    from numbered
    returning *, extract(hour from created_at at time zone ${ctx.timezone})::int as hour`;
  const billId = bill!.id;
  const billNumber = bill!.bill_number;

  const insertLines = tx<LineRow[]>`
    insert into bill_lines ${tx(
      lines.map((l, i) => ({
        shop_id: shopId,
        bill_id: billId,
        line_no: i + 1,
        product_id: l.product.id,
        product_name: l.product.name,
        product_type: l.product.type_name,
        quantity: l.item.quantity,
        rate_fils: l.rateFils,
        discount_percent: l.discountPercent,
        gross_fils: amounts.lines[i]!.grossFils,
        discount_fils: amounts.lines[i]!.discountFils,
        net_fils: amounts.lines[i]!.netFils,
        vat_fils: amounts.lines[i]!.vatFils,
        total_fils: amounts.lines[i]!.totalFils,
        notes: l.item.notes ?? null,
      })),
    )}
    returning id, line_no, product_id, product_name, product_type, quantity, rate_fils, discount_percent, discount_fils, vat_fils, total_fils, notes`;
  const insertPayments =
    payments.length === 0
      ? ([] as PaymentRow[])
      : tx<PaymentRow[]>`
      insert into payments ${tx(
        payments.map((x) => ({
          shop_id: shopId,
          bill_id: billId,
          amount_fils: x.fils,
          method: x.method,
          taken_by_user: p.kind === 'user' ? p.id : null,
          taken_by_terminal: p.kind === 'terminal' ? p.id : null,
        })),
      )}
      returning id, amount_fils, method, kind, paid_at`;

  /** The account after the bill: points, tier re-evaluated at once, ledger rows. */
  async function writeLoyalty(c: CustomerRow, acc: LockedAccount): Promise<NonNullable<BillCreatedPayload['loyalty']>> {
    const lifetime = acc.lifetime_points + earned;
    const tierAfter = tierFor(tiers, lifetime);
    const ledger = [
      ...(redeemed ? [{ shop_id: shopId, customer_id: c.id, bill_id: billId, kind: 'redeemed', points: -redeemed }] : []),
      ...(earned ? [{ shop_id: shopId, customer_id: c.id, bill_id: billId, kind: 'earned', points: earned }] : []),
    ];
    const [[after]] = await Promise.all([
      tx<(Omit<LoyaltySnapshot, 'customer_id' | 'tier' | 'last_purchase'> & { last_purchase: Date })[]>`
        update loyalty_accounts set
          available_points = available_points - ${redeemed} + ${earned},
          lifetime_points = ${lifetime},
          tier_id = ${tierAfter?.id ?? null},
          total_spent_fils = total_spent_fils + ${total},
          visits = visits + 1,
          last_purchase = ${bill!.created_at}
        where shop_id = ${shopId} and customer_id = ${c.id}
        returning available_points, lifetime_points, tier_id, total_spent_fils, visits, last_purchase`,
      ledger.length ? tx`insert into loyalty_ledger ${tx(ledger)}` : [],
    ]);
    return {
      customer_id: c.id,
      available_points: after!.available_points,
      lifetime_points: after!.lifetime_points,
      tier_id: after!.tier_id,
      tier: tierAfter?.name ?? null,
      total_spent_fils: after!.total_spent_fils,
      visits: after!.visits,
      last_purchase: after!.last_purchase.toISOString(),
      points_earned: earned,
      points_redeemed: redeemed,
      tier_changed: (tierAfter?.id ?? null) !== (tierBefore?.id ?? null),
    };
  }

  const payload = (loyalty: BillCreatedPayload['loyalty']): BillCreatedPayload => ({
    bill_id: billId,
    bill_number: billNumber,
    day: billDate,
    hour: bill!.hour,
    created_ms: bill!.created_at.getTime(),
    total,
    vat: amounts.vatFils,
    employee_id: body.employee_id ?? null,
    customer_id: customer?.id ?? null,
    area: customer?.area ?? null,
    lines: lines.map((l, i): [number, number, number] => [l.product.id, l.item.quantity, amounts.lines[i]!.totalFils]),
    names: {
      p: Object.fromEntries(products.map((x) => [String(x.id), x.name])),
      e: employee ? { [String(employee.id)]: employee.name } : {},
      c: customer ? { [String(customer.id)]: customer.name } : {},
    },
    status,
    paid,
    payments: payments.map((x): PaymentFact => [x.method, x.fils, ctx.today]),
    new_customer: newCustomer,
    loyalty,
  });
  const append = (loyalty: BillCreatedPayload['loyalty']) =>
    options.emitEvent === false ? undefined : appendEvent(tx, shopId, 'bill_created', billId, payload(loyalty) as unknown as Record<string, unknown>);

  // The rest goes in one pipelined round trip (two with loyalty: the event carries the account
  // after the bill). The event is in the last round trip either way: the shop's event counter
  // lock is then held only until the commit.
  let loyalty: BillCreatedPayload['loyalty'] = null;
  let standing: AccountStanding | undefined;
  let lineRows: LineRow[];
  let paymentRows: PaymentRow[];
  let seq: number | undefined;
  if (loyaltyOn && customer && account) {
    [lineRows, paymentRows, loyalty] = await Promise.all([insertLines, insertPayments, writeLoyalty(customer, account)]);
    standing = { available_points: loyalty.available_points, tier: loyalty.tier };
    seq = await append(loyalty);
  } else {
    // the programme is off, but a customer may hold points from before
    [lineRows, paymentRows, standing, seq] = await Promise.all([
      insertLines,
      insertPayments,
      customer ? accountStanding(tx, shopId, customer.id) : undefined,
      append(null),
    ]);
  }
  const detail = presentBill(
    bill!,
    [...lineRows].sort((a, b) => a.line_no - b.line_no),
    [...paymentRows].sort((a, b) => a.id - b.id),
    standing,
  );
  return { bill: detail, tierChanged: loyalty?.tier_changed ?? false, seq };
}

export type { LoyaltyConfigRow, TierRow };
