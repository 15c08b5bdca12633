/**
 * Expenses (DOMAIN.md section 10): the shop's categories and its expenses. Every expense create,
 * change and delete appends an event in the same transaction, so the dashboard and insights
 * move exactly without re-reading: the payload holds amount, date and category, and on a change
 * also the previous ones. A change that moves no figure (a new description) still writes an
 * event, so the stream has one row per change.
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { checkOptionalPeriod, fromFils, likePattern, offsetOf, pageResult, toFils } from '../common/index.ts';
import { appendEvent, type ExpenseFacts } from '../events/index.ts';
import { checkRefs, columnChanges } from './refs.ts';
import type { CategoryBody, CreateExpenseBody, ListExpensesQuery, PatchExpenseBody } from './schema.ts';

// ---- categories

/** Live categories by name (case-insensitive), each with its number of live expenses. */
export async function listCategories(sql: Db, shopId: number) {
  return sql`
    select c.id, c.name, c.created_at,
      (select count(*)::int from expenses e where e.shop_id = c.shop_id and e.category_id = c.id and e.deleted_at is null) as expense_count
    from expense_categories c where c.shop_id = ${shopId} and c.deleted_at is null order by lower(c.name), c.id`;
}

/** Adds a category; a live one with the same name (any case) gives 409. */
export async function createCategory(sql: Db, shopId: number, body: CategoryBody) {
  const [r] = await sql`
    insert into expense_categories (shop_id, name) values (${shopId}, ${body.name.trim()})
    returning id, name, created_at, 0 as expense_count`;
  return r;
}

/** Renames a live category (409 on a clash with another live one). */
export async function renameCategory(sql: Db, shopId: number, id: number, body: CategoryBody) {
  const [r] = await sql`
    update expense_categories c set name = ${body.name.trim()}
    where c.shop_id = ${shopId} and c.id = ${id} and c.deleted_at is null
    returning c.id, c.name, c.created_at,
      (select count(*)::int from expenses e where e.shop_id = c.shop_id and e.category_id = c.id and e.deleted_at is null) as expense_count`;
  if (!r) throw ERRORS.notFound('Expense category');
  return r;
}

/** Soft-deletes a category; refused (409) while live expenses or live recurring definitions use it. */
export async function deleteCategory(sql: Sql, shopId: number, id: number): Promise<void> {
  await sql.begin(async (tx) => {
    // FOR UPDATE waits for writers holding the row FOR KEY SHARE (see checkRefs), so their new
    // expenses are seen by the check below
    const [c] = await tx`select id from expense_categories where shop_id = ${shopId} and id = ${id} and deleted_at is null for update`;
    if (!c) throw ERRORS.notFound('Expense category');
    const [used] = await tx`
      select 1 from expenses where shop_id = ${shopId} and category_id = ${id} and deleted_at is null
      union all select 1 from recurring_expenses where shop_id = ${shopId} and category_id = ${id} and deleted_at is null limit 1`;
    if (used) throw ERRORS.conflict('The category is still used by expenses or recurring expenses');
    await tx`update expense_categories set deleted_at = now() where shop_id = ${shopId} and id = ${id}`;
  });
}

// ---- expenses

interface ExpenseRow extends ExpenseFacts {
  id: number;
  category_name: string;
  description: string | null;
  payment_method: string | null;
  receipt_url: string | null;
  recurring_id: number | null;
  created_at: Date;
  updated_at: Date;
}

const present = ({ amount_fils, ...e }: ExpenseRow) => ({ ...e, amount: fromFils(amount_fils) });
const facts = (e: ExpenseFacts): ExpenseFacts => ({ amount_fils: e.amount_fils, expense_date: e.expense_date, category_id: e.category_id });

async function loadExpense(tx: Db, shopId: number, id: number, lock = false): Promise<ExpenseRow> {
  const [e] = await tx<ExpenseRow[]>`
    select e.id, e.category_id, c.name as category_name, e.expense_date, e.amount_fils, e.description, e.payment_method,
           e.receipt_url, e.recurring_id, e.created_at, e.updated_at
    from expenses e join expense_categories c on c.shop_id = e.shop_id and c.id = e.category_id
    where e.shop_id = ${shopId} and e.id = ${id} and e.deleted_at is null
    ${lock ? tx`for update of e` : tx``}`;
  if (!e) throw ERRORS.notFound('Expense');
  return e;
}

/**
 * A page of expenses, newest expense_date first then id desc, with `total_amount` of every row
 * the filter matches (not just the page). `search` is a substring of the description.
 */
export async function listExpenses(sql: Sql, shopId: number, q: ListExpensesQuery) {
  checkOptionalPeriod(q.from, q.to);
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

/** One live expense of the shop (404 otherwise). */
export async function getExpense(sql: Db, shopId: number, id: number) {
  return present(await loadExpense(sql, shopId, id));
}

/** Records an expense and its `expense_created` event in one transaction. */
export async function createExpense(sql: Sql, p: Principal, body: CreateExpenseBody) {
  const amount = toFils(body.amount, 'amount');
  return sql.begin(async (tx) => {
    await checkRefs(tx, p.shopId, body.category_id, body.payment_method);
    const [r] = await tx<{ id: number }[]>`
      insert into expenses (shop_id, category_id, expense_date, amount_fils, description, payment_method, receipt_url, created_by)
      values (${p.shopId}, ${body.category_id}, ${body.expense_date}, ${amount}, ${body.description ?? null}, ${body.payment_method ?? null},
              ${body.receipt_url ?? null}, ${p.kind === 'user' ? p.id : null})
      returning id`;
    const e = await loadExpense(tx, p.shopId, r!.id);
    await appendEvent(tx, p.shopId, 'expense_created', e.id, facts(e));
    return present(e);
  });
}

/** Changes an expense and appends `expense_updated` with the new and previous figures. */
export async function patchExpense(sql: Sql, p: Principal, id: number, body: PatchExpenseBody) {
  const changes = columnChanges(body, body.amount === undefined ? undefined : toFils(body.amount, 'amount'));
  return sql.begin(async (tx) => {
    const before = await loadExpense(tx, p.shopId, id, true);
    await checkRefs(tx, p.shopId, body.category_id, body.payment_method);
    await tx`update expenses set ${tx(changes, Object.keys(changes))}, updated_at = now() where shop_id = ${p.shopId} and id = ${id}`;
    const after = await loadExpense(tx, p.shopId, id);
    await appendEvent(tx, p.shopId, 'expense_updated', id, { ...facts(after), previous: facts(before) });
    return present(after);
  });
}

/** Soft-deletes an expense and appends `expense_deleted` with the figures it takes away. */
export async function deleteExpense(sql: Sql, p: Principal, id: number): Promise<void> {
  await sql.begin(async (tx) => {
    const [e] = await tx<ExpenseFacts[]>`
      update expenses set deleted_at = now(), updated_at = now() where shop_id = ${p.shopId} and id = ${id} and deleted_at is null
      returning amount_fils, expense_date, category_id`;
    if (!e) throw ERRORS.notFound('Expense');
    await appendEvent(tx, p.shopId, 'expense_deleted', id, facts(e));
  });
}
