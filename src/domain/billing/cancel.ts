/**
 * POST /api/bills/:id/cancel: voids a bill. Nothing is deleted: the bill keeps its rows, its
 * payments are refunded with negative payment rows (one per method, dated now), loyalty points it
 * earned are taken back and points it redeemed are given back (available points never go below
 * zero: points already spent elsewhere are written off with the reversal), and one event
 * reverses every figure the bill contributed.
 *
 * Two round trips (issue 20): one statement reads the bill, its payments by method, its lines,
 * the customer's account and the tiers; the reversal is decided in TypeScript; one statement
 * (cancel_write, migration 0041) locks the bill and the account, checks they are as read (the
 * status and paid amount; the tier held, the tiers, and the tier after staying the one decided),
 * and writes the refunds, the bill, the loyalty reversal and the event. When they moved, the
 * cancellation is decided again from a fresh read.
 */
import type { Db } from '../../db/client.ts';
import { theRow } from '../../db/errors.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import type { BillCancelledPayload, LineFact } from '../events/index.ts';
import { tierFor, tierSpan } from '../loyalty/index.ts';
import type { TierRow } from './loyalty-rules.ts';
import type { BillDetail, BillRow } from './present.ts';
import { type BillRows, billRowsFromJson, isStalePlan, presentRows } from './write.ts';

/** How often a cancellation is decided again when a payment or the account overtook it. */
const ATTEMPTS = 10;

interface CancelInputs {
  bill: (Omit<BillRow, 'created_at'> & { created_at: string; hour: number; today: string }) | null;
  paid: { method: string; amount: number }[];
  lines: { product_id: number | null; quantity: number; total_fils: number }[];
  account: { lifetime_points: number; tier_id: number | null } | null;
  tiers: { list: TierRow[]; md5: string };
}

export async function cancelBill(sql: Db, p: Principal, billId: number, reason: string, now: Date): Promise<{ bill: BillDetail; tierChanged: boolean }> {
  const shopId = p.shopId;
  for (let attempt = 1; ; attempt++) {
    const rows = await sql<CancelInputs[]>`
      with b as (
        select b.*, extract(hour from b.created_at at time zone s.timezone)::int as hour,
          (${now}::timestamptz at time zone s.timezone)::date as today
        from bills b join shop_settings s on s.shop_id = b.shop_id
        where b.shop_id = ${shopId} and b.id = ${billId}
      )
      select
        (select to_jsonb(b) from b) as bill,
        (select coalesce(jsonb_agg(jsonb_build_object('method', x.method, 'amount', x.amount) order by x.method), '[]'::jsonb) from (
          select method, sum(amount_fils)::bigint as amount from payments
          where shop_id = ${shopId} and bill_id = ${billId} group by method having sum(amount_fils) > 0) x) as paid,
        (select coalesce(jsonb_agg(jsonb_build_object('product_id', l.product_id, 'quantity', l.quantity, 'total_fils', l.total_fils) order by l.line_no), '[]'::jsonb)
          from bill_lines l where l.shop_id = ${shopId} and l.bill_id = ${billId}) as lines,
        (select jsonb_build_object('lifetime_points', a.lifetime_points, 'tier_id', a.tier_id) from loyalty_accounts a
          where a.shop_id = ${shopId} and a.customer_id = (select customer_id from b)) as account,
        (select jsonb_build_object('list', j, 'md5', md5(j::text)) from loyalty_tiers_json(${shopId}) j) as tiers`;
    const row = theRow(rows);
    const { bill, paid, lines, account } = row;
    if (!bill) throw ERRORS.notFound('Bill');
    if (bill.status === 'Cancelled') throw ERRORS.conflict('The bill is already cancelled');
    const tiers = row.tiers.list.map((t) => ({ ...t, threshold_points: Number(t.threshold_points) }));

    const refunds = paid.map((m) => ({
      amount_fils: -m.amount,
      method: m.method,
      taken_by_user: p.kind === 'user' ? p.id : null,
      taken_by_terminal: p.kind === 'terminal' ? p.id : null,
      paid_at: now.toISOString(),
    }));
    // Only a bill that was added to the account (the programme was on) is taken back from it.
    let loyalty: Record<string, unknown> | null = null;
    let tierChanged = false;
    if (bill.customer_id !== null && bill.loyalty_counted && account) {
      const lifetime = Math.max(0, account.lifetime_points - bill.points_earned);
      const tier = tierFor(tiers, lifetime);
      const span = tierSpan(tiers, lifetime);
      tierChanged = (tier?.id ?? null) !== account.tier_id;
      loyalty = {
        customer_id: bill.customer_id,
        expect_tier_id: account.tier_id,
        tiers_md5: row.tiers.md5,
        earned: bill.points_earned,
        redeemed: bill.points_redeemed,
        total: bill.total_fils,
        span_lo: span.lo,
        span_hi: span.hi,
        tier_id: tier?.id ?? null,
        ledger: [
          ...(bill.points_earned ? [{ points: -bill.points_earned, note: 'bill cancelled: points earned taken back' }] : []),
          ...(bill.points_redeemed ? [{ points: bill.points_redeemed, note: 'bill cancelled: points redeemed given back' }] : []),
        ],
        snapshot: { tier: tier?.name ?? null, tier_changed: tierChanged },
      };
    }
    const event: Omit<BillCancelledPayload, 'loyalty'> = {
      bill_id: billId,
      bill_number: bill.bill_number,
      day: bill.bill_date,
      hour: bill.hour,
      created_ms: new Date(bill.created_at).getTime(),
      total: bill.total_fils,
      vat: bill.vat_fils,
      employee_id: bill.employee_id,
      customer_id: bill.customer_id,
      area: bill.customer_area,
      lines: lines.map((l): LineFact => [l.product_id, l.quantity, l.total_fils]),
      names: { p: {}, e: {}, c: {} },
      status_before: bill.status as BillCancelledPayload['status_before'],
      paid_before: bill.paid_fils,
      refunds: paid.map((m) => [m.method, -m.amount, bill.today]),
    };
    const args = {
      shop_id: shopId,
      bill_id: billId,
      expect: { status: bill.status, paid_fils: bill.paid_fils },
      refunds,
      reason,
      now: now.toISOString(),
      loyalty,
      event,
    };
    try {
      const [w] = await sql<{ r: { rows: BillRows } }[]>`select cancel_write(${sql.json(args as never)}) as r`;
      return { bill: presentRows(billRowsFromJson(w!.r.rows)), tierChanged };
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      if (attempt >= ATTEMPTS) throw ERRORS.conflict('The bill kept changing while it was cancelled; send it again');
    }
  }
}
