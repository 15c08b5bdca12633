/**
 * Writes a planned bill (plan.ts) in ONE statement, a call of the SQL function bill_write
 * (migration 0040): one round trip and one implicit transaction instead of BEGIN, five
 * statements and COMMIT (issue 20). In it, in this order: the Idempotency-Key (a concurrent retry
 * waits on it and replays), the customer created by phone, the programme lock and the customer's
 * account (locked to commit, and compared with what the plan was made on), the day's next number
 * (bill_counters: row lock held to commit, so no duplicates, and a rolled-back bill gives its
 * number back: no gaps), the bill, its lines (one row per line; identical lines stay separate),
 * its first payments, the loyalty movements, and the one event the aggregates apply.
 *
 * Everything decided here is decided in TypeScript: bill_write only fills in what the rows it
 * writes give (ids, the number, the hour, the account after the bill).
 */
import type { Db } from '../../db/client.ts';
import { theRow } from '../../db/errors.ts';
import type { Principal } from '../auth/index.ts';
import type { BillCustomer } from '../customers/index.ts';
import type { BillCreatedPayload, PaymentFact } from '../events/index.ts';
import { tierFor, tierSpan } from '../loyalty/index.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import type { TierRow } from './loyalty-rules.ts';
import type { BillPlan } from './plan.ts';
import { type AccountStanding, type BillDetail, type BillRow, type LineRow, type PaymentRow, presentBill } from './present.ts';
import type { StoredResponse } from './idempotency.ts';
import type { InputsExpected } from './inputs-cache.ts';
import type { CreateBillBody } from './schema.ts';
import type { ShopBillingContext } from './shop-context.ts';

/** The rows a bill refers to, as createBill found them (a customer to create is `newCustomer`). */
export interface BillRefs {
  /** an existing customer */
  customer?: BillCustomer;
  /** a customer the bill creates (customers' newCustomerRow) */
  newCustomer?: Omit<BillCustomer, 'id'> & { business_name: string | null };
  employee?: { id: number; name: string };
  /** the account the plan was made on (a customer without one: a fresh one, 0 points, no tier) */
  account?: LockedAccount;
  tiers: TierRow[];
  tiersMd5: string | null;
}

export interface WriteBillOptions {
  /**
   * Write the event row. Default true; false exists only so bench/billing.ts can measure what
   * the event stream costs against the same statement without it.
   */
  emitEvent?: boolean;
}

/** The Idempotency-Key the write claims first (and stores the answer under). */
export interface KeyClaim {
  kind: Principal['kind'];
  id: number;
  key: string;
  route: string;
  hash: string;
  status: number;
}

/** The rows of a written bill, as bill_write returns them and an Idempotency-Key stores them. */
export interface BillRows {
  bill: BillRow;
  lines: LineRow[];
  payments: PaymentRow[];
  standing: AccountStanding | null;
}

export type WriteResult =
  | { replay: { status: number; response: unknown; request_hash: string } }
  /** `account`: the customer's loyalty account after the bill (the programme on) */
  | { rows: BillRows; seq: number | undefined; tierChanged: boolean; account: LockedAccount | undefined }
  /** the inputs named by `expect` were no longer current: nothing was written */
  | { stale: true };

/** bill_write's SQLSTATE for "what the plan was made on changed": plan again. */
export const STALE_PLAN = 'TJ001';
export const isStalePlan = (err: unknown): boolean => (err as { code?: string })?.code === STALE_PLAN;

/**
 * A payment or cancellation decided on what the node kept (inputs-cache.ts), sent as one statement
 * (migration 0044): written only while the shop's settings version is `versions`, and as always
 * only while the bill (and account) pass the write's checks under lock. Answers the write's
 * answer, null when the settings moved, or 'stale' when the write refused the bill (TJ001); either
 * way nothing was written and the caller reads afresh.
 */
export async function writeOnKept<R>(sql: Db, write: 'payment_write' | 'cancel_write', args: { expect: object }, versions: { settings: number }): Promise<R | null | 'stale'> {
  const a = sql.json({ ...args, expect: { ...args.expect, versions } } as never);
  try {
    const rows =
      write === 'payment_write'
        ? await sql<{ r: R | null }[]>`select case when kept_settings_current(a) then payment_write(a) end as r from (select ${a}::jsonb as a) x`
        : await sql<{ r: R | null }[]>`select case when kept_settings_current(a) then cancel_write(a) end as r from (select ${a}::jsonb as a) x`;
    return theRow(rows).r;
  } catch (err) {
    if (isStalePlan(err)) return 'stale';
    throw err;
  }
}

/** Rows that went through JSON (bill_write's answer, a stored key) with their instants as Dates again. */
export function billRowsFromJson(raw: BillRows): BillRows {
  const at = (v: unknown) => (v === null || v === undefined ? null : new Date(v as string));
  return {
    bill: { ...raw.bill, created_at: at(raw.bill.created_at)!, client_created_at: at(raw.bill.client_created_at), cancelled_at: at(raw.bill.cancelled_at) },
    lines: raw.lines,
    payments: raw.payments.map((x) => ({ ...x, paid_at: at(x.paid_at)! })),
    standing: raw.standing,
  };
}

export function presentRows(r: BillRows): BillDetail {
  return presentBill(r.bill, r.lines, r.payments, r.standing ?? undefined);
}

/** A bill written now, or the answer stored under the request's Idempotency-Key. */
export interface WrittenOrReplayed {
  bill: BillDetail;
  replayed: boolean;
  status: number;
}

/** A key's stored answer as the route sends it: a bill stored as its rows (migrations 0040, 0041) is presented. */
export function replayedBill(r: StoredResponse): WrittenOrReplayed {
  const body = r.body as { bill_rows?: BillRows } | BillDetail;
  const bill = 'bill_rows' in body && body.bill_rows ? presentRows(billRowsFromJson(body.bill_rows)) : (body as BillDetail);
  return { bill, replayed: true, status: r.status };
}

export async function writeBill(
  sql: Db,
  p: Principal,
  body: CreateBillBody,
  ctx: ShopBillingContext,
  plan: BillPlan,
  refs: BillRefs,
  key: KeyClaim | undefined,
  options: WriteBillOptions = {},
  expect?: InputsExpected,
): Promise<WriteResult> {
  const shopId = p.shopId;
  const { billDate, amounts, lines, products, payments, paid, status, earned, redeemed, loyaltyOn, tierBefore } = plan;
  const employeeId = refs.employee?.id ?? null;
  const total = amounts.totalFils;
  const { customer, newCustomer, employee, account, tiers } = refs;
  const snap = customer ?? newCustomer;

  const bill = {
    bill_date: billDate,
    delivery_date: plan.deliveryDate,
    trial_date: plan.trialDate,
    customer_name: snap?.name ?? null,
    customer_phone: snap?.phone ?? null,
    customer_city: snap?.city ?? null,
    customer_area: snap?.area ?? null,
    customer_trn: snap?.trn ?? null,
    customer_type: snap?.customer_type ?? null,
    employee_id: employeeId,
    notes: body.notes ?? null,
    vat_percent: ctx.vatPercent,
    prices_include_vat: ctx.pricesIncludeVat,
    subtotal_fils: amounts.subtotalFils,
    discount_fils: amounts.discountFils,
    vat_fils: amounts.vatFils,
    total_fils: total,
    paid_fils: paid,
    status,
    points_earned: earned,
    points_redeemed: redeemed,
    loyalty_counted: Boolean(loyaltyOn && account),
    created_by_user: p.kind === 'user' ? p.id : null,
    created_by_terminal: p.kind === 'terminal' ? p.id : null,
    cashier_id: p.cashierId ?? null,
    client_created_at: body.client_created_at ?? null,
    offline_ref: body.offline_ref ?? null,
    // ctx.now is the time of sale (client_created_at for an offline bill): every figure derived
    // from the bill and its payments (hour, payment day, last visit) follows it
    created_at: ctx.now.toISOString(),
  };
  const lineRows = lines.map((l, i) => ({
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
  }));
  const paymentRows = payments.map((x) => ({
    amount_fils: x.fils,
    method: x.method,
    // at a terminal, the cashier signed in by PIN took it
    taken_by_user: p.kind === 'user' ? p.id : (p.cashierId ?? null),
    taken_by_terminal: p.kind === 'terminal' ? p.id : null,
    paid_at: ctx.now.toISOString(),
  }));

  // The account after the bill: points, tier re-evaluated at once, ledger rows. Decided here on
  // the account the plan read; bill_write refuses it if the locked account differs.
  let loyalty: Record<string, unknown> | null = null;
  let tierChanged = false;
  if (loyaltyOn && snap && account) {
    const lifetime = account.lifetime_points + earned;
    const tierAfter = tierFor(tiers, lifetime);
    tierChanged = (tierAfter?.id ?? null) !== (tierBefore?.id ?? null);
    loyalty = {
      expect: account,
      tiers_md5: refs.tiersMd5,
      redeemed,
      earned,
      total,
      ...(({ lo, hi }) => ({ span_lo: lo, span_hi: hi }))(tierSpan(tiers, lifetime)),
      tier_after_id: tierAfter?.id ?? null,
      tier_after_name: tierAfter?.name ?? null,
      ledger: [...(redeemed ? [{ kind: 'redeemed', points: -redeemed }] : []), ...(earned ? [{ kind: 'earned', points: earned }] : [])],
      // the rest of the event's snapshot comes from the account row bill_write updates
      snapshot: {
        tier: tierAfter?.name ?? null,
        last_purchase: ctx.now.toISOString(),
        points_earned: earned,
        points_redeemed: redeemed,
        tier_changed: tierChanged,
      },
    };
  }

  // bill_id, bill_number, hour, customer_id, names.c and loyalty are filled in by bill_write
  const event: Omit<BillCreatedPayload, 'bill_id' | 'bill_number' | 'hour' | 'customer_id' | 'loyalty'> = {
    day: billDate,
    created_ms: ctx.now.getTime(),
    total,
    vat: amounts.vatFils,
    employee_id: employeeId,
    area: snap?.area ?? null,
    lines: lines.map((l, i): [number, number, number] => [l.product.id, l.item.quantity, amounts.lines[i]!.totalFils]),
    names: {
      p: Object.fromEntries(products.map((x) => [String(x.id), x.name])),
      e: employee ? { [String(employee.id)]: employee.name } : {},
      c: {},
    },
    status,
    paid,
    payments: payments.map((x): PaymentFact => [x.method, x.fils, ctx.today]),
    new_customer: newCustomer !== undefined,
  };

  const args = {
    shop_id: shopId,
    today: ctx.today,
    timezone: ctx.timezone,
    key: key ?? null,
    customer_id: customer?.id ?? null,
    new_customer: newCustomer ?? null,
    customer_name: snap?.name ?? null,
    loyalty,
    bill,
    lines: lineRows,
    payments: paymentRows,
    event: options.emitEvent === false ? null : event,
    ...(expect ? { expect } : {}),
  };
  type Written = BillRows & { seq: number | null; loyalty: LockedAccount | null };
  type Answer = { r: Written | { replay: { status: number; response: unknown; request_hash: string } } | null };
  // With `expect` (inputs kept by the node): written only when they are still current, in the same
  // statement, so the check costs no round trip (SQL bill_inputs_current, migration 0043).
  const rows = expect
    ? await sql<Answer[]>`
        select case when bill_inputs_current(a) then bill_write(a) end as r from (select ${sql.json(args as never)}::jsonb as a) x`
    : await sql<Answer[]>`select bill_write(${sql.json(args as never)}) as r`;
  const r = theRow(rows).r;
  if (r === null) return { stale: true };
  if ('replay' in r) return { replay: r.replay };
  const after = r.loyalty ? { available_points: r.loyalty.available_points, lifetime_points: r.loyalty.lifetime_points, tier_id: r.loyalty.tier_id } : undefined;
  return { rows: billRowsFromJson(r), seq: r.seq ?? undefined, tierChanged, account: after };
}
