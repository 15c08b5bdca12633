/**
 * Turns due recurring definitions into expense rows, exactly once per due date: each definition
 * is locked (SKIP LOCKED, so several workers share the work), its expense for next_due is
 * inserted (a unique index on (shop, recurring_id, date) makes a second insert impossible), an
 * event is written, and next_due advances, all in one transaction. "Due" uses the shop's local
 * date; a definition that missed days (the worker was down) catches up one date per pass.
 */
import type { Sql } from '../../db/client.ts';
import { localDate } from '../dashboard/dates.ts';
import { appendEvent } from '../events/append.ts';
import type { ExpensePayload } from '../events/payloads.ts';
import { type Frequency, nextDueDate } from './recurrence.ts';

/** Definitions handled per pass. */
const BATCH = 200;

export async function generateRecurringExpenses(sql: Sql, now: Date, onShop?: (shopId: number) => void): Promise<number> {
  let made = 0;
  for (let pass = 0; pass < 400; pass++) {
    const n = await sql.begin(async (tx) => {
      const due = await tx<{ id: number; shop_id: number; category_id: number; amount_fils: number; description: string | null; payment_method: string | null; frequency: Frequency; start_date: string; end_date: string | null; next_due: string; timezone: string }[]>`
        select r.*, s.timezone from recurring_expenses r join shop_settings s on s.shop_id = r.shop_id
        where r.active and r.deleted_at is null and r.next_due <= (${now}::timestamptz at time zone s.timezone)::date
          and (r.end_date is null or r.next_due <= r.end_date)
        order by r.next_due limit ${BATCH}
        for update of r skip locked`;
      for (const r of due) {
        if (r.next_due > localDate(now, r.timezone)) continue;
        const [e] = await tx<{ id: number }[]>`
          insert into expenses (shop_id, category_id, expense_date, amount_fils, description, payment_method, recurring_id)
          values (${r.shop_id}, ${r.category_id}, ${r.next_due}, ${r.amount_fils}, ${r.description}, ${r.payment_method}, ${r.id})
          on conflict (shop_id, recurring_id, expense_date) where recurring_id is not null do nothing returning id`;
        if (e) {
          const payload: ExpensePayload = { amount_fils: r.amount_fils, expense_date: r.next_due, category_id: r.category_id };
          await appendEvent(tx, r.shop_id, 'expense_created', e.id, payload);
          onShop?.(r.shop_id);
        }
        await tx`update recurring_expenses set next_due = ${nextDueDate(r.next_due, r.frequency, Number(r.start_date.slice(8, 10)))}, updated_at = now() where id = ${r.id}`;
      }
      return due.length;
    });
    made += n;
    if (n === 0) break;
  }
  return made;
}
