/**
 * Expenses (DOMAIN.md section 10): categories of the shop, expenses, recurring definitions.
 * Every expense create, change and delete writes an event in the same transaction so the
 * dashboard and insights move exactly (payload: amount, date, category, and the previous values
 * on a change).
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { fromFils, toFils } from '../common/money.ts';
import { offsetOf, pageResult } from '../common/paging.ts';
import { likePattern } from '../common/schema.ts';
import { appendEvent } from '../events/append.ts';
import type { ExpensePayload } from '../events/payloads.ts';
import type { CategoryBody, CreateExpenseBody, CreateRecurringBody, ListExpensesQuery, PatchExpenseBody, PatchRecurringBody } from './schema.ts';

// ---- categories

export async function listCategories(sql: Db, shopId: number) {
  return sql`
    select c.id, c.name, c.created_at,
      (select count(*)::int from expenses e where e.shop_id = c.shop_id and e.category_id = c.id and e.deleted_at is null) as expense_count
    from expense_categories c where c.shop_id = ${shopId} and c.deleted_at is null order by lower(c.name), c.id`;
}

export async function createCategory(sql: Db, shopId: number, body: CategoryBody) {
  const [r] = await sql`insert into expense_categories (shop_id, name) values (${shopId}, ${body.name.trim()}) returning id, name, created_at`;
  return r;
}

export async function renameCategory(sql: Db, shopId: number, id: number, body: CategoryBody) {
  const [r] = await sql`
    update expense_categories set name = ${body.name.trim()} where shop_id = ${shopId} and id = ${id} and deleted_at is null returning id, name, created_at`;
  if (!r) throw ERRORS.notFound('Expense category');
  return r;
}

/** Refused (409) while live expenses or recurring definitions use the category. */
export async function deleteCategory(sql: Sql, shopId: number, id: number): Promise<void> {
  await sql.begin(async (tx) => {
    const [c] = await tx`select id from expense_categories where shop_id = ${shopId} and id = ${id} and deleted_at is null for update`;
    if (!c) throw ERRORS.notFound('Expense category');
    const [used] = await tx`
      select 1 from expenses where shop_id = ${shopId} and category_id = ${id} and deleted_at is null
      union all select 1 from recurring_expenses where shop_id = ${shopId} and category_id = ${id} and deleted_at is null limit 1`;
    if (used) throw ERRORS.conflict('The category is still used by expenses');
    await tx`update expense_categories set deleted_at = now() where shop_id = ${shopId} and id = ${id}`;
  });
}

// ---- expenses

interface ExpenseRow {
  id: number;
  category_id: number;
  category_name: string;
  expense_date: string;
  amount_fils: number;
  description: string | null;
  payment_method: string | null;
  receipt_url: string | null;
  recurring_id: number | null;
  created_at: Date;
  updated_at: Date;
}

const present = ({ amount_fils, ...e }: ExpenseRow) => ({ ...e, amount: fromFils(amount_fils) });

async function checkRefs(tx: Db, shopId: number, categoryId: number | undefined, method: string | null | undefined): Promise<void> {
  if (categoryId !== undefined) {
    const [c] = await tx`select 1 from expense_categories where shop_id = ${shopId} and id = ${categoryId} and deleted_at is null`;
    if (!c) throw ERRORS.invalidReference('category_id is not a category of this shop');
  }
  if (method) {
    const [s] = await tx<{ ok: boolean }[]>`select ${method} = any(payment_methods) as ok from shop_settings where shop_id = ${shopId}`;
    if (!s?.ok) throw ERRORS.businessRule('unknown_payment_method', "payment_method is not one of the shop's payment methods");
  }
}

async function loadExpense(tx: Db, shopId: number, id: number): Promise<ExpenseRow> {
  const [e] = await tx<ExpenseRow[]>`
    select e.id, e.category_id, c.name as category_name, e.expense_date, e.amount_fils, e.description, e.payment_method,
           e.receipt_url, e.recurring_id, e.created_at, e.updated_at
    from expenses e join expense_categories c on c.shop_id = e.shop_id and c.id = e.category_id
    where e.shop_id = ${shopId} and e.id = ${id} and e.deleted_at is null`;
  if (!e) throw ERRORS.notFound('Expense');
  return e;
}

export async function listExpenses(sql: Sql, shopId: number, q: ListExpensesQuery) {
  if (q.from && q.to && q.from > q.to) throw ERRORS.validation([{ field: 'from', message: 'must not be after to' }]);
  const where = sql`
    e.shop_id = ${shopId} and e.deleted_at is null
    ${q.from ? sql`and e.expense_date >= ${q.from}` : sql``}
    ${q.to ? sql`and e.expense_date <= ${q.to}` : sql``}
    ${q.category_id ? sql`and e.category_id = ${q.category_id}` : sql``}
    ${q.search?.trim() ? sql`and e.description ilike ${likePattern(q.search.trim())}` : sql``}`;
  const [rows, [agg]] = await Promise.all([
    sql<ExpenseRow[]>`
      select e.id, e.category_id, c.name as category_name, e.expense_date, e.amount_fils, e.description, e.payment_method,
             e.receipt_url, e.recurring_id, e.created_at, e.updated_at
      from expenses e join expense_categories c on c.shop_id = e.shop_id and c.id = e.category_id
      where ${where} order by e.expense_date desc, e.id desc limit ${q.per_page} offset ${offsetOf(q)}`,
    sql<{ n: number; total: number }[]>`select count(*)::int as n, coalesce(sum(e.amount_fils), 0)::bigint as total from expenses e where ${where}`,
  ]);
  return { ...pageResult(rows.map(present), q, agg!.n), total_amount: fromFils(agg!.total) };
}

export async function getExpense(sql: Db, shopId: number, id: number) {
  return present(await loadExpense(sql, shopId, id));
}

export async function createExpense(sql: Sql, p: Principal, body: CreateExpenseBody) {
  const amount = toFils(body.amount, 'amount');
  return sql.begin(async (tx) => {
    await checkRefs(tx, p.shopId, body.category_id, body.payment_method);
    const [r] = await tx<{ id: number }[]>`
      insert into expenses (shop_id, category_id, expense_date, amount_fils, description, payment_method, receipt_url, created_by)
      values (${p.shopId}, ${body.category_id}, ${body.expense_date}, ${amount}, ${body.description ?? null}, ${body.payment_method ?? null},
              ${body.receipt_url ?? null}, ${p.kind === 'user' ? p.id : null})
      returning id`;
    const payload: ExpensePayload = { amount_fils: amount, expense_date: body.expense_date, category_id: body.category_id };
    const e = await loadExpense(tx, p.shopId, r!.id);
    await appendEvent(tx, p.shopId, 'expense_created', r!.id, payload as unknown as Record<string, unknown>);
    return present(e);
  });
}

export async function patchExpense(sql: Sql, p: Principal, id: number, body: PatchExpenseBody) {
  return sql.begin(async (tx) => {
    const [before] = await tx<ExpenseRow[]>`
      select * from expenses where shop_id = ${p.shopId} and id = ${id} and deleted_at is null for update`;
    if (!before) throw ERRORS.notFound('Expense');
    await checkRefs(tx, p.shopId, body.category_id, body.payment_method);
    const changes: Record<string, unknown> = { ...body };
    if (body.amount !== undefined) {
      changes.amount_fils = toFils(body.amount, 'amount');
      delete changes.amount;
    }
    await tx`update expenses set ${tx(changes as Record<string, string>, Object.keys(changes))}, updated_at = now() where shop_id = ${p.shopId} and id = ${id}`;
    const after = await loadExpense(tx, p.shopId, id);
    if (after.amount_fils !== before.amount_fils || after.expense_date !== before.expense_date || after.category_id !== before.category_id) {
      const payload: ExpensePayload = {
        amount_fils: after.amount_fils,
        expense_date: after.expense_date,
        category_id: after.category_id,
        previous: { amount_fils: before.amount_fils, expense_date: before.expense_date, category_id: before.category_id },
      };
      await appendEvent(tx, p.shopId, 'expense_updated', id, payload as unknown as Record<string, unknown>);
    }
    return present(after);
  });
}

export async function deleteExpense(sql: Sql, p: Principal, id: number): Promise<void> {
  await sql.begin(async (tx) => {
    const [e] = await tx<ExpenseRow[]>`
      update expenses set deleted_at = now() where shop_id = ${p.shopId} and id = ${id} and deleted_at is null
      returning amount_fils, expense_date, category_id`;
    if (!e) throw ERRORS.notFound('Expense');
    const payload: ExpensePayload = { amount_fils: e.amount_fils, expense_date: e.expense_date, category_id: e.category_id };
    await appendEvent(tx, p.shopId, 'expense_deleted', id, payload as unknown as Record<string, unknown>);
  });
}

// ---- recurring definitions

const presentRecurring = ({ amount_fils, ...r }: Record<string, unknown> & { amount_fils: number }) => ({ ...r, amount: fromFils(amount_fils) });

export async function listRecurring(sql: Db, shopId: number) {
  const rows = await sql<(Record<string, unknown> & { amount_fils: number })[]>`
    select r.id, r.category_id, c.name as category_name, r.amount_fils, r.description, r.payment_method, r.frequency,
           r.start_date, r.end_date, r.next_due, r.active, r.created_at, r.updated_at
    from recurring_expenses r join expense_categories c on c.shop_id = r.shop_id and c.id = r.category_id
    where r.shop_id = ${shopId} and r.deleted_at is null order by r.next_due, r.id`;
  return { items: rows.map(presentRecurring) };
}

export async function createRecurring(sql: Sql, shopId: number, body: CreateRecurringBody) {
  if (body.end_date && body.end_date < body.start_date) throw ERRORS.validation([{ field: 'end_date', message: 'must not be before start_date' }]);
  const amount = toFils(body.amount, 'amount');
  return sql.begin(async (tx) => {
    await checkRefs(tx, shopId, body.category_id, body.payment_method);
    const [r] = await tx<(Record<string, unknown> & { amount_fils: number })[]>`
      insert into recurring_expenses (shop_id, category_id, amount_fils, description, payment_method, frequency, start_date, end_date, next_due)
      values (${shopId}, ${body.category_id}, ${amount}, ${body.description ?? null}, ${body.payment_method ?? null}, ${body.frequency},
              ${body.start_date}, ${body.end_date ?? null}, ${body.start_date})
      returning id, category_id, amount_fils, description, payment_method, frequency, start_date, end_date, next_due, active, created_at, updated_at`;
    return presentRecurring(r!);
  });
}

/**
 * Changing start_date of a definition that already produced expenses is refused (422): the
 * dates already generated would no longer follow from it. Changing it before the first one
 * moves next_due with it.
 */
export async function patchRecurring(sql: Sql, shopId: number, id: number, body: PatchRecurringBody) {
  return sql.begin(async (tx) => {
    const [cur] = await tx<{ start_date: string; end_date: string | null }[]>`
      select start_date, end_date from recurring_expenses where shop_id = ${shopId} and id = ${id} and deleted_at is null for update`;
    if (!cur) throw ERRORS.notFound('Recurring expense');
    await checkRefs(tx, shopId, body.category_id, body.payment_method);
    const changes: Record<string, unknown> = { ...body };
    if (body.amount !== undefined) {
      changes.amount_fils = toFils(body.amount, 'amount');
      delete changes.amount;
    }
    if (body.start_date !== undefined && body.start_date !== cur.start_date) {
      const [made] = await tx`select 1 from expenses where shop_id = ${shopId} and recurring_id = ${id} limit 1`;
      if (made) throw ERRORS.businessRule('already_generated', 'start_date cannot change once expenses were generated from it');
      changes.next_due = body.start_date;
    }
    const end = body.end_date === undefined ? cur.end_date : body.end_date;
    if (end && end < (body.start_date ?? cur.start_date)) throw ERRORS.validation([{ field: 'end_date', message: 'must not be before start_date' }]);
    await tx`update recurring_expenses set ${tx(changes as Record<string, string>, Object.keys(changes))}, updated_at = now() where shop_id = ${shopId} and id = ${id}`;
    return (await listRecurring(tx, shopId)).items.find((r) => (r as { id?: number }).id === id);
  });
}

export async function deleteRecurring(sql: Db, shopId: number, id: number): Promise<void> {
  const rows = await sql`update recurring_expenses set deleted_at = now(), active = false where shop_id = ${shopId} and id = ${id} and deleted_at is null returning id`;
  if (rows.length === 0) throw ERRORS.notFound('Recurring expense');
}
