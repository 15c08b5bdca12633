/**
 * Employees, the "masters" bills name (DOMAIN.md section 4). Phone (E.164) unique per shop among
 * active employees. List rows carry all-time bills, sales and average bill from the aggregates;
 * /performance computes any period with SQL.
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { addDays, checkPeriod, fromFils, likePattern, localDate, normalizePhone, offsetOf, pageResult, phoneFragment } from '../common/index.ts';
import { employeeFigures, type FiguresDeps } from '../customers/index.ts';
import { shopTimeZone } from '../shops/index.ts';
import type { CreateEmployeeBody, ListEmployeesQuery, PatchEmployeeBody, PerformanceQuery } from './schema.ts';

export interface EmployeeRow {
  id: number;
  name: string;
  phone: string | null;
  position: string | null;
  address: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ['id', 'name', 'phone', 'position', 'address', 'active', 'created_at', 'updated_at'];

async function withFigures(deps: FiguresDeps, shopId: number, rows: EmployeeRow[]) {
  const f = await employeeFigures(deps, shopId, rows.map((r) => r.id));
  return rows.map((r) => {
    const x = f.get(r.id) ?? { bills: 0, spentFils: 0 };
    return { ...r, total_bills: x.bills, total_sales: fromFils(x.spentFils), avg_bill_value: x.bills ? fromFils(Math.round(x.spentFils / x.bills)) : 0 };
  });
}

export async function listEmployees(deps: FiguresDeps & { sql: Sql }, p: Principal, q: ListEmployeesQuery) {
  const { sql } = deps;
  const term = q.search?.trim();
  const digits = term ? phoneFragment(term) : '';
  const filter = sql`
    ${term ? sql`and (name ilike ${likePattern(term)} or position ilike ${likePattern(term)} ${digits ? sql`or phone like ${likePattern(digits)}` : sql``})` : sql``}
    ${q.active === undefined ? sql`` : sql`and active = ${q.active}`}`;
  const [rows, [count]] = await Promise.all([
    sql<EmployeeRow[]>`
      select ${sql(COLUMNS)} from employees where shop_id = ${p.shopId} and deleted_at is null ${filter}
      order by lower(name), id limit ${q.per_page} offset ${offsetOf(q)}`,
    sql<{ n: number }[]>`select count(*)::int as n from employees where shop_id = ${p.shopId} and deleted_at is null ${filter}`,
  ]);
  return pageResult(await withFigures(deps, p.shopId, rows), q, count!.n);
}

export async function getEmployee(deps: FiguresDeps, p: Principal, id: number) {
  const [row] = await deps.sql<EmployeeRow[]>`
    select ${deps.sql(COLUMNS)} from employees where shop_id = ${p.shopId} and id = ${id} and deleted_at is null`;
  if (!row) throw ERRORS.notFound('Employee');
  return (await withFigures(deps, p.shopId, [row]))[0]!;
}

export async function createEmployee(sql: Db, p: Principal, body: CreateEmployeeBody): Promise<EmployeeRow> {
  const [row] = await sql<EmployeeRow[]>`
    insert into employees (shop_id, name, phone, position, address, active)
    values (${p.shopId}, ${body.name.trim()}, ${body.phone ? normalizePhone(body.phone) : null}, ${body.position ?? null},
            ${body.address ?? null}, ${body.active ?? true})
    returning ${sql(COLUMNS)}`;
  return row!;
}

export async function patchEmployee(sql: Db, p: Principal, id: number, body: PatchEmployeeBody): Promise<void> {
  const changes: Record<string, unknown> = { ...body };
  if (body.phone) changes.phone = normalizePhone(body.phone);
  if (body.name !== undefined) changes.name = body.name.trim();
  const rows = await sql`
    update employees set ${sql(changes as Record<string, string>, Object.keys(changes))}, updated_at = now()
    where shop_id = ${p.shopId} and id = ${id} and deleted_at is null returning id`;
  if (rows.length === 0) throw ERRORS.notFound('Employee');
}

export async function deleteEmployee(sql: Db, p: Principal, id: number): Promise<void> {
  const rows = await sql`
    update employees set deleted_at = now(), active = false where shop_id = ${p.shopId} and id = ${id} and deleted_at is null returning id`;
  if (rows.length === 0) throw ERRORS.notFound('Employee');
}

/** Bills handled, revenue, average bill and top products of one employee in a period (default: the last 30 days). */
export async function performance(sql: Db, p: Principal, id: number, q: PerformanceQuery, now: Date) {
  const [e] = await sql`select 1 from employees where shop_id = ${p.shopId} and id = ${id} and deleted_at is null`;
  if (!e) throw ERRORS.notFound('Employee');
  const today = localDate(now, await shopTimeZone(sql, p.shopId));
  const to = q.to ?? today;
  const from = q.from ?? addDays(to, -29);
  checkPeriod(from, to);
  const [t] = await sql<{ bills: number; revenue: number }[]>`
    select count(*)::int as bills, coalesce(sum(total_fils), 0)::bigint as revenue from bills
    where shop_id = ${p.shopId} and employee_id = ${id} and status <> 'Cancelled' and bill_date between ${from} and ${to}`;
  const top = await sql<{ product_id: number | null; product_name: string; quantity: number; revenue: number }[]>`
    select l.product_id, l.product_name, sum(l.quantity)::bigint as quantity, sum(l.total_fils)::bigint as revenue
    from bill_lines l join bills b on b.shop_id = l.shop_id and b.id = l.bill_id
    where b.shop_id = ${p.shopId} and b.employee_id = ${id} and b.status <> 'Cancelled' and b.bill_date between ${from} and ${to}
    group by 1, 2 order by revenue desc, product_name limit 5`;
  return {
    employee_id: id,
    from,
    to,
    total_bills: t!.bills,
    revenue: fromFils(t!.revenue),
    avg_bill_value: t!.bills ? fromFils(Math.round(t!.revenue / t!.bills)) : 0,
    top_products: top.map((x) => ({ ...x, revenue: fromFils(x.revenue) })),
  };
}
