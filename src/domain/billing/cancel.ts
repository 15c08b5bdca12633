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
 *
 * One round trip on a warm node (migration 0044): a bill this node made or took a payment on is
 * kept as that write left it, with its lines and payments (inputs-cache.ts), and the customer's
 * account and the tiers as the node last read or wrote them. The cancellation is then decided on
 * those and sent as one statement, written only while the shop's settings version is the one kept
 * (kept_settings_current: the time zone that dates the refunds and the bill's hour) and the bill,
 * account and tiers pass cancel_write's checks under lock. A bill kept as cancelled is decided
 * again on a fresh read.
 */
import type { Db } from '../../db/client.ts';
import { theRow } from '../../db/errors.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { localDate, localHour } from '../common/index.ts';
import type { BillCancelledPayload, LineFact } from '../events/index.ts';
import { tierFor, tierSpan } from '../loyalty/index.ts';
import { type BillInputsCache, type CancelBasis, keptBillOf } from './inputs-cache.ts';
import type { TierRow } from './loyalty-rules.ts';
import type { BillDetail, BillRow } from './present.ts';
import { type BillRows, billRowsFromJson, isStalePlan, presentRows, writeOnKept } from './write.ts';

/** How often a cancellation is decided again when a payment or the account overtook it. */
const ATTEMPTS = 10;

/** The bill's fields a cancellation reads (as read, or as kept), with its hour and today's date in the shop's zone. */
type CancelBill = Pick<BillRow, 'status' | 'paid_fils' | 'total_fils' | 'customer_id'> &
  Omit<CancelBasis, 'lines' | 'paid'> & { hour: number; today: string };

interface CancelInputs {
  bill: CancelBill | null;
  paid: { method: string; amount: number }[];
  lines: { product_id: number | null; quantity: number; total_fils: number }[];
  account: { lifetime_points: number; tier_id: number | null } | null;
  tiers: { list: TierRow[]; md5: string | null };
}

export interface CancelOptions {
  /** the node's kept bills: a cancellation of a bill this node wrote is one round trip */
  inputs?: BillInputsCache;
}

type Cancelled = { bill: BillDetail; tierChanged: boolean };

export async function cancelBill(sql: Db, p: Principal, billId: number, reason: string, now: Date, options: CancelOptions = {}): Promise<Cancelled> {
  const shopId = p.shopId;
  const kept = options.inputs;

  /** cancel_write's argument, whether the customer's tier changes and whose account moves; throws when already cancelled. */
  function decide(row: CancelInputs & { bill: CancelBill }) {
    const { bill, paid, lines, account } = row;
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
    // the customer whose account this cancellation moves (null: none)
    return { args, tierChanged, accountOf: loyalty ? bill.customer_id : null };
  }

  /** The written cancellation's answer; the node keeps the bill as cancelled, and forgets the account it moved. */
  function written(rows: BillRows, decided: ReturnType<typeof decide>): Cancelled {
    kept?.keepBill(shopId, billId, keptBillOf(rows, undefined));
    if (decided.accountOf !== null) kept?.forgetCustomer(shopId, decided.accountOf);
    return { bill: presentRows(rows), tierChanged: decided.tierChanged };
  }

  // A warm node: decided on the kept bill, account and tiers, one statement.
  const warm = kept?.recallCancel(shopId, billId);
  if (warm) {
    let decided: ReturnType<typeof decide> | undefined;
    try {
      const { lines, paid, ...fields } = warm.bill.cancel;
      const created = new Date(fields.created_at);
      decided = decide({
        bill: {
          ...fields,
          status: warm.bill.status as BillRow['status'],
          paid_fils: warm.bill.paid_fils,
          total_fils: warm.bill.total_fils,
          customer_id: warm.bill.customer_id,
          hour: localHour(created, warm.timezone),
          today: localDate(now, warm.timezone),
        },
        paid,
        lines,
        account: warm.account ?? null,
        tiers: warm.tiers ?? { list: [], md5: null },
      });
    } catch {
      // already cancelled (or a zone the clock cannot read): decided on a fresh read below
    }
    if (decided) {
      // 'stale': the bill, the account or the tiers moved; null: the shop's settings
      const r = await writeOnKept<{ rows: BillRows }>(sql, 'cancel_write', decided.args, warm.versions);
      if (r && r !== 'stale') return written(billRowsFromJson(r.rows), decided);
      kept!.forgetBill(shopId, billId, r === null);
    }
  }

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
    if (!row.bill) throw ERRORS.notFound('Bill');
    const decided = decide(row as CancelInputs & { bill: CancelBill });
    try {
      const [w] = await sql<{ r: { rows: BillRows } }[]>`select cancel_write(${sql.json(decided.args as never)}) as r`;
      return written(billRowsFromJson(w!.r.rows), decided);
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      if (attempt >= ATTEMPTS) throw ERRORS.conflict('The bill kept changing while it was cancelled; send it again');
    }
  }
}
