/**
 * POST /api/bills/:id/cancel: voids a bill. Nothing is deleted: the bill keeps its rows, its
 * payments are refunded with negative payment rows (one per method, dated now), loyalty points it
 * earned are taken back and points it redeemed are given back (available points never go below
 * zero: points already spent elsewhere are written off with the reversal), and one event
 * reverses every figure the bill contributed.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { appendEvent, type BillCancelledPayload, type LineFact } from '../events/index.ts';
import { lockLoyaltyAccount } from './loyalty-lock.ts';
import { tierFor } from '../loyalty/index.ts';
import { type BillDetail, type BillRow, loadBill } from './present.ts';
import { loadShopBillingContext } from './shop-context.ts';

export async function cancelBill(tx: Db, p: Principal, billId: number, reason: string, now: Date): Promise<{ bill: BillDetail; tierChanged: boolean }> {
  const shopId = p.shopId;
  const [bill] = await tx<(BillRow & { hour: number; tz: string })[]>`
    select b.*, extract(hour from b.created_at at time zone s.timezone)::int as hour, s.timezone as tz
    from bills b join shop_settings s on s.shop_id = b.shop_id
    where b.shop_id = ${shopId} and b.id = ${billId}
    for update of b`;
  if (!bill) throw ERRORS.notFound('Bill');
  if (bill.status === 'Cancelled') throw ERRORS.conflict('The bill is already cancelled');
  const ctx = await loadShopBillingContext(tx, shopId, now);

  const paidByMethod = await tx<{ method: string; amount: number }[]>`
    select method, sum(amount_fils)::bigint as amount from payments
    where shop_id = ${shopId} and bill_id = ${billId} group by method having sum(amount_fils) > 0 order by method`;
  if (paidByMethod.length) {
    await tx`
      insert into payments ${tx(
        paidByMethod.map((m) => ({
          shop_id: shopId,
          bill_id: billId,
          amount_fils: -m.amount,
          method: m.method,
          kind: 'refund',
          taken_by_user: p.kind === 'user' ? p.id : null,
          taken_by_terminal: p.kind === 'terminal' ? p.id : null,
          paid_at: now,
        })),
      )}`;
  }
  await tx`
    update bills set status = 'Cancelled', paid_fils = 0, cancelled_at = ${now}, cancel_reason = ${reason}
    where shop_id = ${shopId} and id = ${billId}`;

  let loyalty: BillCancelledPayload['loyalty'] = null;
  // Only a bill that was added to the account (the programme was on) is taken back from it.
  if (bill.customer_id !== null && bill.loyalty_counted) {
    // Tiers re-read under the programme lock: a concurrent tier replacement must not leave this
    // account on a tier it deletes or re-thresholds (loyalty-lock.ts).
    const { account: acc, tiers } = await lockLoyaltyAccount(tx, shopId, bill.customer_id);
    if (acc) {
      const lifetime = Math.max(0, acc.lifetime_points - bill.points_earned);
      const tier = tierFor(tiers, lifetime);
      const [after] = await tx<{ available_points: number; lifetime_points: number; tier_id: number | null; total_spent_fils: number; visits: number; last_purchase: Date | null }[]>`
        update loyalty_accounts set
          available_points = greatest(0, available_points - ${bill.points_earned} + ${bill.points_redeemed}),
          lifetime_points = ${lifetime},
          tier_id = ${tier?.id ?? null},
          total_spent_fils = total_spent_fils - ${bill.total_fils},
          visits = greatest(0, visits - 1)
        where shop_id = ${shopId} and customer_id = ${bill.customer_id}
        returning available_points, lifetime_points, tier_id, total_spent_fils, visits, last_purchase`;
      const ledger = [
        ...(bill.points_earned ? [{ shop_id: shopId, customer_id: bill.customer_id, bill_id: billId, kind: 'reversed', points: -bill.points_earned, note: 'bill cancelled: points earned taken back' }] : []),
        ...(bill.points_redeemed ? [{ shop_id: shopId, customer_id: bill.customer_id, bill_id: billId, kind: 'reversed', points: bill.points_redeemed, note: 'bill cancelled: points redeemed given back' }] : []),
      ];
      if (ledger.length) await tx`insert into loyalty_ledger ${tx(ledger)}`;
      loyalty = {
        customer_id: bill.customer_id,
        available_points: after!.available_points,
        lifetime_points: after!.lifetime_points,
        tier_id: after!.tier_id,
        tier: tier?.name ?? null,
        total_spent_fils: after!.total_spent_fils,
        visits: after!.visits,
        last_purchase: after!.last_purchase?.toISOString() ?? null,
        tier_changed: (tier?.id ?? null) !== acc.tier_id,
      };
    }
  }

  const lines = await tx<{ product_id: number | null; quantity: number; total_fils: number }[]>`
    select product_id, quantity, total_fils from bill_lines where shop_id = ${shopId} and bill_id = ${billId} order by line_no`;
  const detail = await loadBill(tx, shopId, billId);
  const payload: BillCancelledPayload = {
    bill_id: billId,
    bill_number: bill.bill_number,
    day: bill.bill_date,
    hour: bill.hour,
    created_ms: bill.created_at.getTime(),
    total: bill.total_fils,
    vat: bill.vat_fils,
    employee_id: bill.employee_id,
    customer_id: bill.customer_id,
    area: bill.customer_area,
    lines: lines.map((l): LineFact => [l.product_id, l.quantity, l.total_fils]),
    names: { p: {}, e: {}, c: {} },
    status_before: bill.status as BillCancelledPayload['status_before'],
    paid_before: bill.paid_fils,
    refunds: paidByMethod.map((m) => [m.method, -m.amount, ctx.today]),
    loyalty,
  };
  await appendEvent(tx, shopId, 'bill_cancelled', billId, payload);
  return { bill: detail, tierChanged: loyalty?.tier_changed ?? false };
}
