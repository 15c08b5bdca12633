/** Reads a bill with its lines, payments and loyalty movements, shaped as API.md says. */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { fromFils } from '../common/index.ts';

export interface BillRow {
  id: number;
  bill_number: string;
  bill_date: string;
  delivery_date: string | null;
  trial_date: string | null;
  customer_id: number | null;
  customer_name: string | null;
  customer_phone: string | null;
  customer_city: string | null;
  customer_area: string | null;
  customer_trn: string | null;
  customer_type: string | null;
  employee_id: number | null;
  notes: string | null;
  vat_percent: number;
  prices_include_vat: boolean;
  subtotal_fils: number;
  discount_fils: number;
  vat_fils: number;
  total_fils: number;
  paid_fils: number;
  status: 'Pending' | 'Partial' | 'Paid' | 'Cancelled';
  points_earned: number;
  points_redeemed: number;
  /** added to the customer's loyalty account (programme enabled): a cancellation takes it back */
  loyalty_counted: boolean;
  created_at: Date;
  cashier_id: number | null;
  client_created_at: Date | null;
  offline_ref: string | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
}

/** The list/summary shape of a bill. */
export function billSummary(b: BillRow) {
  return {
    id: b.id,
    bill_number: b.bill_number,
    bill_date: b.bill_date,
    delivery_date: b.delivery_date,
    trial_date: b.trial_date,
    status: b.status,
    customer_id: b.customer_id,
    customer_name: b.customer_name,
    customer_phone: b.customer_phone,
    employee_id: b.employee_id,
    cashier_id: b.cashier_id,
    offline_ref: b.offline_ref,
    subtotal: fromFils(b.subtotal_fils),
    discount: fromFils(b.discount_fils),
    vat_amount: fromFils(b.vat_fils),
    total_amount: fromFils(b.total_fils),
    paid: fromFils(b.paid_fils),
    balance: b.status === 'Cancelled' ? 0 : fromFils(b.total_fils - b.paid_fils),
    created_at: b.created_at,
  };
}

export interface LineRow {
  id: number;
  line_no: number;
  product_id: number | null;
  product_name: string;
  product_type: string | null;
  quantity: number;
  rate_fils: number;
  discount_percent: number;
  discount_fils: number;
  vat_fils: number;
  total_fils: number;
  notes: string | null;
}

export interface PaymentRow {
  id: number;
  amount_fils: number;
  method: string;
  kind: string;
  paid_at: Date;
}

/** The customer's loyalty standing shown with a bill (none when the bill has no customer or the customer no account). */
export interface AccountStanding {
  available_points: number;
  tier: string | null;
}

/** GET /api/bills/:id's shape, from rows already read (createBill builds it from what its inserts return). */
export function presentBill(bill: BillRow, lines: readonly LineRow[], payments: readonly PaymentRow[], account: AccountStanding | undefined) {
  return {
    ...billSummary(bill),
    customer: bill.customer_id === null
      ? null
      : {
          id: bill.customer_id,
          name: bill.customer_name,
          phone: bill.customer_phone,
          city: bill.customer_city,
          area: bill.customer_area,
          trn: bill.customer_trn,
          customer_type: bill.customer_type,
        },
    notes: bill.notes,
    vat_percent: bill.vat_percent,
    prices_include_vat: bill.prices_include_vat,
    cancelled_at: bill.cancelled_at,
    cancel_reason: bill.cancel_reason,
    items: lines.map((l) => ({
      id: l.id,
      line_no: l.line_no,
      product_id: l.product_id,
      product_name: l.product_name,
      product_type: l.product_type,
      quantity: l.quantity,
      rate: fromFils(l.rate_fils),
      discount_percent: l.discount_percent,
      discount: fromFils(l.discount_fils),
      vat_amount: fromFils(l.vat_fils),
      total: fromFils(l.total_fils),
      notes: l.notes,
    })),
    payments: payments.map((p) => ({ id: p.id, amount: fromFils(p.amount_fils), method: p.method, kind: p.kind, paid_at: p.paid_at })),
    loyalty: {
      points_earned: bill.points_earned,
      points_redeemed: bill.points_redeemed,
      available_points: account?.available_points ?? 0,
      tier: account?.tier ?? null,
    },
  };
}

/** The customer's points and tier name now (loadBill and bills of a shop whose programme is off). */
export async function accountStanding(sql: Db, shopId: number, customerId: number): Promise<AccountStanding | undefined> {
  const [a] = await sql<AccountStanding[]>`
    select a.available_points, t.name as tier from loyalty_accounts a
    left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
    where a.shop_id = ${shopId} and a.customer_id = ${customerId}`;
  return a;
}

/** A bill as `p` may read it: any of the shop's bills, or for a terminal only those it created (404 otherwise). */
export async function readBill(sql: Db, p: Principal, id: number) {
  return loadBill(sql, p.shopId, id, p.kind === 'terminal' ? p.id : undefined);
}

export async function loadBill(sql: Db, shopId: number, id: number, createdByTerminal?: number) {
  const [bill] = await sql<BillRow[]>`
    select * from bills where shop_id = ${shopId} and id = ${id}
      ${createdByTerminal === undefined ? sql`` : sql`and created_by_terminal = ${createdByTerminal}`}`;
  if (!bill) throw ERRORS.notFound('Bill');
  const [lines, payments, account] = await Promise.all([
    sql<LineRow[]>`select * from bill_lines where shop_id = ${shopId} and bill_id = ${id} order by line_no`,
    sql<PaymentRow[]>`
      select id, amount_fils, method, kind, paid_at from payments where shop_id = ${shopId} and bill_id = ${id} order by id`,
    bill.customer_id === null ? Promise.resolve(undefined) : accountStanding(sql, shopId, bill.customer_id),
  ]);
  return presentBill(bill, lines, payments, account);
}

export type BillDetail = Awaited<ReturnType<typeof loadBill>>;
