/**
 * Recurring expense definitions (turned into expenses by generate-recurring.ts). Rules:
 * - next_due starts at start_date; end_date, when set, is not before start_date (400).
 * - start_date cannot change once the definition produced an expense (422 already_generated):
 *   the dates already generated would no longer follow from it. Before that, next_due moves
 *   with it.
 * - Reactivating a paused definition (active false → true) does not back-fill the dates that
 *   fell due while it was paused: next_due jumps to its first date on or after the shop's today.
 * - Frequency changes take effect from the current next_due.
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { fromFils, localDate, offsetOf, pageResult, toFils } from '../common/index.ts';
import { type Frequency, nextDueDate } from './recurrence.ts';
import { checkRefs, columnChanges } from './refs.ts';
import type { CreateRecurringBody, ListRecurringQuery, PatchRecurringBody } from './schema.ts';

interface RecurringRow {
  id: number;
  category_id: number;
  category_name: string;
  amount_fils: number;
  description: string | null;
  payment_method: string | null;
  frequency: Frequency;
  start_date: string;
  end_date: string | null;
  next_due: string;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const present = ({ amount_fils, ...r }: RecurringRow) => ({ ...r, amount: fromFils(amount_fils) });

const columns = (sql: Db) => sql`
  r.id, r.category_id, c.name as category_name, r.amount_fils, r.description, r.payment_method, r.frequency,
  r.start_date, r.end_date, r.next_due, r.active, r.created_at, r.updated_at`;

async function loadRecurring(tx: Db, shopId: number, id: number, lock = false): Promise<RecurringRow> {
  const [r] = await tx<RecurringRow[]>`
    select ${columns(tx)}
    from recurring_expenses r join expense_categories c on c.shop_id = r.shop_id and c.id = r.category_id
    where r.shop_id = ${shopId} and r.id = ${id} and r.deleted_at is null
    ${lock ? tx`for update of r` : tx``}`;
  if (!r) throw ERRORS.notFound('Recurring expense');
  return r;
}

/** A page of live definitions, next due first (then id). */
export async function listRecurring(sql: Sql, shopId: number, q: ListRecurringQuery) {
  const [rows, [n]] = await Promise.all([
    sql<RecurringRow[]>`
      select ${columns(sql)}
      from recurring_expenses r join expense_categories c on c.shop_id = r.shop_id and c.id = r.category_id
      where r.shop_id = ${shopId} and r.deleted_at is null order by r.next_due, r.id limit ${q.per_page} offset ${offsetOf(q)}`,
    sql<{ n: number }[]>`select count(*)::int as n from recurring_expenses where shop_id = ${shopId} and deleted_at is null`,
  ]);
  return pageResult(rows.map(present), q, n!.n);
}

/** Defines a recurring expense; its first expense is due on start_date. */
export async function createRecurring(sql: Sql, shopId: number, body: CreateRecurringBody) {
  if (body.end_date && body.end_date < body.start_date) throw ERRORS.validation([{ field: 'end_date', message: 'must not be before start_date' }]);
  const amount = toFils(body.amount, 'amount');
  return sql.begin(async (tx) => {
    await checkRefs(tx, shopId, body.category_id, body.payment_method);
    const [r] = await tx<{ id: number }[]>`
      insert into recurring_expenses (shop_id, category_id, amount_fils, description, payment_method, frequency, start_date, end_date, next_due)
      values (${shopId}, ${body.category_id}, ${amount}, ${body.description ?? null}, ${body.payment_method ?? null}, ${body.frequency},
              ${body.start_date}, ${body.end_date ?? null}, ${body.start_date})
      returning id`;
    return present(await loadRecurring(tx, shopId, r!.id));
  });
}

/** The first date of the schedule on or after `today`, stepping from `from`. */
function firstDueFrom(from: string, today: string, frequency: Frequency, anchorDay: number): string {
  let d = from;
  while (d < today) d = nextDueDate(d, frequency, anchorDay);
  return d;
}

/** Partial change of a definition (rules in the header of this file). */
export async function patchRecurring(sql: Sql, shopId: number, id: number, body: PatchRecurringBody, now: Date) {
  const changes = columnChanges(body, body.amount === undefined ? undefined : toFils(body.amount, 'amount'));
  return sql.begin(async (tx) => {
    const cur = await loadRecurring(tx, shopId, id, true);
    await checkRefs(tx, shopId, body.category_id, body.payment_method);
    const start = body.start_date ?? cur.start_date;
    const end = body.end_date === undefined ? cur.end_date : body.end_date;
    if (end && end < start) throw ERRORS.validation([{ field: 'end_date', message: 'must not be before start_date' }]);
    let nextDue = cur.next_due;
    if (start !== cur.start_date) {
      const [made] = await tx`select 1 from expenses where shop_id = ${shopId} and recurring_id = ${id} limit 1`;
      if (made) throw ERRORS.businessRule('already_generated', 'start_date cannot change once expenses were generated from it');
      nextDue = start;
    }
    if (body.active === true && !cur.active) {
      const [s] = await tx<{ timezone: string }[]>`select timezone from shop_settings where shop_id = ${shopId}`;
      const today = localDate(now, s!.timezone);
      nextDue = firstDueFrom(nextDue, today, body.frequency ?? cur.frequency, Number(start.slice(8, 10)));
    }
    if (nextDue !== cur.next_due) changes.next_due = nextDue;
    await tx`update recurring_expenses set ${tx(changes, Object.keys(changes))}, updated_at = now() where shop_id = ${shopId} and id = ${id}`;
    return present(await loadRecurring(tx, shopId, id));
  });
}

/** Soft-deletes a definition; expenses it already produced stay. */
export async function deleteRecurring(sql: Db, shopId: number, id: number): Promise<void> {
  const rows = await sql`
    update recurring_expenses set deleted_at = now(), active = false, updated_at = now()
    where shop_id = ${shopId} and id = ${id} and deleted_at is null returning id`;
  if (rows.length === 0) throw ERRORS.notFound('Recurring expense');
}
