/**
 * Writes a planned bill (plan.ts) in the caller's transaction: the bill with the day's next number
 * (bill_counters: row lock held to commit, so no duplicates, and a rolled-back bill gives its
 * number back: no gaps), its lines (one row per line; identical lines stay separate), its first
 * payments, the loyalty movements, and the one event the aggregates apply.
 */
import type { Db } from '../../db/client.ts';
import type { Principal } from '../auth/index.ts';
import type { BillCustomer } from '../customers/index.ts';
import { appendEvent, type BillCreatedPayload, type LoyaltySnapshot, type PaymentFact } from '../events/index.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import { tierFor } from '../loyalty/index.ts';
import type { TierRow } from './loyalty-rules.ts';
import { takeBillNumber } from './numbering.ts';
import type { BillPlan } from './plan.ts';
import { type AccountStanding, accountStanding, type BillDetail, type BillRow, type LineRow, type PaymentRow, presentBill } from './present.ts';
import type { CreateBillBody } from './schema.ts';
import type { ShopBillingContext } from './shop-context.ts';

/** The rows a bill refers to, as createBill found or made them. */
export interface BillRefs {
  customer?: BillCustomer;
  /** the customer was created by this bill */
  newCustomer: boolean;
  employee?: { id: number; name: string };
  account?: LockedAccount;
  tiers: TierRow[];
}

export interface WriteBillOptions {
  /**
   * Write the event row. Default true; false exists only so bench/billing.ts can measure what
   * the event stream costs against the same transaction without it.
   */
  emitEvent?: boolean;
}

type CustomerRow = BillCustomer;

export async function writeBill(
  tx: Db,
  p: Principal,
  body: CreateBillBody,
  ctx: ShopBillingContext,
  plan: BillPlan,
  refs: BillRefs,
  options: WriteBillOptions = {},
): Promise<{ bill: BillDetail; tierChanged: boolean; seq: number | undefined }> {
  const shopId = p.shopId;
  const { billDate, amounts, lines, products, payments, paid, status, earned, redeemed, loyaltyOn, tierBefore } = plan;
  const employeeId = refs.employee?.id ?? null;
  const total = amounts.totalFils;
  const { customer, newCustomer, employee, account, tiers } = refs;

  // the day's next number and the bill in one statement
  const [bill] = await tx<(BillRow & { hour: number })[]>`
    ${takeBillNumber(tx, shopId, ctx.today)}
    insert into bills (
      shop_id, bill_number, bill_date, delivery_date, trial_date, customer_id, customer_name, customer_phone,
      customer_city, customer_area, customer_trn, customer_type, employee_id, notes, vat_percent, prices_include_vat,
      subtotal_fils, discount_fils, vat_fils, total_fils, paid_fils, status, points_earned, points_redeemed,
      loyalty_counted, created_by_user, created_by_terminal, cashier_id, client_created_at, offline_ref, created_at)
    select
      ${shopId}, numbered.bill_number, ${billDate}, ${plan.deliveryDate}, ${plan.trialDate},
      ${customer?.id ?? null}, ${customer?.name ?? null}, ${customer?.phone ?? null}, ${customer?.city ?? null},
      ${customer?.area ?? null}, ${customer?.trn ?? null}, ${customer?.customer_type ?? null},
      ${employeeId}, ${body.notes ?? null}, ${ctx.vatPercent}, ${ctx.pricesIncludeVat},
      ${amounts.subtotalFils}, ${amounts.discountFils}, ${amounts.vatFils}, ${total}, ${paid}, ${status},
      ${earned}, ${redeemed}, ${Boolean(loyaltyOn && account)}, ${p.kind === 'user' ? p.id : null}, ${p.kind === 'terminal' ? p.id : null},
      ${p.cashierId ?? null}, ${body.client_created_at ?? null}, ${body.offline_ref ?? null},
      -- ctx.now is the time of sale (client_created_at for an offline bill): every figure derived
      -- from the bill and its payments (hour, payment day, last visit) follows it
      ${ctx.now}
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
          // at a terminal, the cashier signed in by PIN took it
          taken_by_user: p.kind === 'user' ? p.id : (p.cashierId ?? null),
          taken_by_terminal: p.kind === 'terminal' ? p.id : null,
          paid_at: ctx.now,
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
    employee_id: employeeId,
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
    options.emitEvent === false ? undefined : appendEvent(tx, shopId, 'bill_created', billId, payload(loyalty));

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
