/**
 * Turns due recurring definitions into expense rows, exactly once per due date: each definition
 * is locked (SKIP LOCKED, so several workers share the work), its due dates are inserted in one
 * statement (a unique index on (shop, recurring_id, date) makes a second insert impossible), their
 * events in one more, and next_due advances, all in one transaction. "Due" uses the shop's local
 * date.
 *
 * Fair across shops (DOMAIN.md "Bounds"): a definition writes at most 366 occurrences per tick,
 * so one that starts years back catches up over several ticks; and definitions are taken by
 * their turn within their shop (every shop's first due definition, then every shop's second...),
 * so a shop with many due definitions never goes ahead of all the others.
 */
import type { Db, Sql } from '../../db/client.ts';
import { localDate } from '../common/index.ts';
import { appendEvents, type ExpensePayload } from '../events/index.ts';
import { type Frequency, nextDueDate } from './recurrence.ts';

/** Occurrences one definition writes per tick. */
export const MAX_OCCURRENCES_PER_TICK = 366;
/** Definitions locked and written per transaction. */
const BATCH = 20;
/** Definitions looked at per tick; the rest wait for the next tick. */
const MAX_DEFINITIONS_PER_TICK = 10_000;

interface DueRow {
  id: number;
  shop_id: number;
  category_id: number;
  amount_fils: number;
  description: string | null;
  payment_method: string | null;
  frequency: Frequency;
  start_date: string;
  end_date: string | null;
  next_due: string;
  timezone: string;
}

/** The due dates from next_due up to today (and end_date), at most `max`, and the next_due after them. */
export function dueDates(r: Pick<DueRow, 'next_due' | 'end_date' | 'frequency' | 'start_date'>, today: string, max: number) {
  const dates: string[] = [];
  const anchor = Number(r.start_date.slice(8, 10));
  let d = r.next_due;
  while (dates.length < max && d <= today && (r.end_date === null || d <= r.end_date)) {
    dates.push(d);
    d = nextDueDate(d, r.frequency, anchor);
  }
  return { dates, next: d };
}

export async function generateRecurringExpenses(sql: Sql, now: Date): Promise<number> {
  // Every due definition in turn order; each is taken at most once per tick.
  const order = await sql<{ id: number }[]>`
    select id from (
      select r.id, r.next_due, row_number() over (partition by r.shop_id order by r.next_due, r.id) as turn
      from recurring_expenses r join shop_settings s on s.shop_id = r.shop_id
      where r.active and r.deleted_at is null and r.next_due <= (${now}::timestamptz at time zone s.timezone)::date
        and (r.end_date is null or r.next_due <= r.end_date)
    ) due order by turn, next_due, id limit ${MAX_DEFINITIONS_PER_TICK}`;
  let made = 0;
  for (let i = 0; i < order.length; i += BATCH) {
    const ids = order.slice(i, i + BATCH).map((r) => r.id);
    made += await sql.begin(async (tx) => {
      // locked and re-checked: another worker may have taken or advanced some since the list was read
      const due = await tx<DueRow[]>`
        select r.id, r.shop_id, r.category_id, r.amount_fils, r.description, r.payment_method, r.frequency,
               r.start_date, r.end_date, r.next_due, s.timezone
        from recurring_expenses r join shop_settings s on s.shop_id = r.shop_id
        where r.id = any(${ids}::bigint[]) and r.active and r.deleted_at is null
          and r.next_due <= (${now}::timestamptz at time zone s.timezone)::date
        for update of r skip locked`;
      // written in turn order, so a shop's second definition never goes before another's first
      due.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id));
      let n = 0;
      for (const r of due) n += await materialise(tx, r, localDate(now, r.timezone));
      return n;
    });
  }
  return made;
}

/** Writes one definition's due occurrences (at most MAX_OCCURRENCES_PER_TICK) and advances it. */
async function materialise(tx: Db, r: DueRow, today: string): Promise<number> {
  const { dates, next } = dueDates(r, today, MAX_OCCURRENCES_PER_TICK);
  if (dates.length === 0) return 0;
  const made = await tx<{ id: number; expense_date: string }[]>`
    insert into expenses (shop_id, category_id, expense_date, amount_fils, description, payment_method, recurring_id)
    select ${r.shop_id}, ${r.category_id}, d, ${r.amount_fils}, ${r.description}, ${r.payment_method}, ${r.id}
    from unnest(${dates}::date[]) as d
    on conflict (shop_id, recurring_id, expense_date) where recurring_id is not null do nothing
    returning id, expense_date::text`;
  made.sort((a, b) => (a.expense_date < b.expense_date ? -1 : 1));
  await appendEvents(
    tx,
    r.shop_id,
    'expense_created',
    made.map((e) => {
      const payload: ExpensePayload = { amount_fils: r.amount_fils, expense_date: e.expense_date, category_id: r.category_id };
      return { entity_id: e.id, payload };
    }),
  );
  await tx`update recurring_expenses set next_due = ${next}, updated_at = now() where id = ${r.id}`;
  return made.length;
}
