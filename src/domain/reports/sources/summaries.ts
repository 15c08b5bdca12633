/**
 * The summary reports: employees, products, expenses, VAT, customers and loyalty. Money columns
 * are fils (the writers format them). Cancelled bills count nowhere.
 */
import type { Sql } from '../../../db/client.ts';
import type { ReportParams } from '../schema.ts';
import { CURSOR_BATCH, type ReportSource, type Row } from './types.ts';

async function* cursor(q: AsyncIterable<Row[]>) {
  for await (const batch of q) yield batch;
}

export const employees: ReportSource = {
  title: 'Employee performance',
  columns: [
    { key: 'name', header: 'Master', kind: 'text' },
    { key: 'position', header: 'Position', kind: 'text' },
    { key: 'bills', header: 'Bills', kind: 'int', total: true },
    { key: 'revenue', header: 'Revenue', kind: 'money', total: true },
    { key: 'avg_bill', header: 'Average bill', kind: 'money' },
  ],
  chart: { label: 'name', value: 'revenue' },
  async count(sql, shopId) {
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from employees where shop_id = ${shopId} and deleted_at is null`;
    return r!.n;
  },
  rows: (sql: Sql, shopId: number, p: ReportParams) =>
    cursor(sql<Row[]>`
      select e.name, e.position, count(b.id)::int as bills, coalesce(sum(b.total_fils), 0)::bigint as revenue,
             coalesce(round(avg(b.total_fils)), 0)::bigint as avg_bill
      from employees e
      left join bills b on b.shop_id = e.shop_id and b.employee_id = e.id and b.status <> 'Cancelled'
        and b.bill_date between ${p.from} and ${p.to}
      where e.shop_id = ${shopId} and e.deleted_at is null
      group by e.id order by revenue desc, e.name`.cursor(CURSOR_BATCH)),
};

export const products: ReportSource = {
  title: 'Product sales',
  columns: [
    { key: 'type', header: 'Type', kind: 'text' },
    { key: 'name', header: 'Product', kind: 'text' },
    { key: 'quantity', header: 'Quantity', kind: 'int', total: true },
    { key: 'revenue', header: 'Revenue', kind: 'money', total: true },
  ],
  chart: { label: 'name', value: 'revenue' },
  async count(sql, shopId, p) {
    const [r] = await sql<{ n: number }[]>`
      select count(distinct (l.product_name, l.product_type))::int as n from bill_lines l join bills b on b.shop_id = l.shop_id and b.id = l.bill_id
      where l.shop_id = ${shopId} and b.status <> 'Cancelled' and b.bill_date between ${p.from} and ${p.to}`;
    return r!.n;
  },
  rows: (sql, shopId, p) =>
    cursor(sql<Row[]>`
      select l.product_type as type, l.product_name as name, sum(l.quantity)::bigint as quantity, sum(l.total_fils)::bigint as revenue
      from bill_lines l join bills b on b.shop_id = l.shop_id and b.id = l.bill_id
      where l.shop_id = ${shopId} and b.status <> 'Cancelled' and b.bill_date between ${p.from} and ${p.to}
      group by 1, 2 order by revenue desc, name`.cursor(CURSOR_BATCH)),
};

export const expenses: ReportSource = {
  title: 'Expenses',
  columns: [
    { key: 'expense_date', header: 'Date', kind: 'date' },
    { key: 'category', header: 'Category', kind: 'text' },
    { key: 'description', header: 'Description', kind: 'text' },
    { key: 'payment_method', header: 'Method', kind: 'text' },
    { key: 'amount', header: 'Amount', kind: 'money', total: true },
  ],
  chart: { label: 'category', value: 'amount' },
  async count(sql, shopId, p) {
    const [r] = await sql<{ n: number }[]>`
      select count(*)::int as n from expenses where shop_id = ${shopId} and deleted_at is null and expense_date between ${p.from} and ${p.to}`;
    return r!.n;
  },
  rows: (sql, shopId, p) =>
    cursor(sql<Row[]>`
      select e.expense_date, c.name as category, e.description, e.payment_method, e.amount_fils as amount
      from expenses e join expense_categories c on c.shop_id = e.shop_id and c.id = e.category_id
      where e.shop_id = ${shopId} and e.deleted_at is null and e.expense_date between ${p.from} and ${p.to}
      order by e.expense_date, e.id`.cursor(CURSOR_BATCH)),
};

/** What a UAE VAT return needs: taxable sales and VAT by rate and month (cancelled bills excluded). */
export const vat: ReportSource = {
  title: 'VAT summary',
  columns: [
    { key: 'month', header: 'Month', kind: 'text' },
    { key: 'vat_percent', header: 'VAT rate %', kind: 'percent' },
    { key: 'bills', header: 'Bills', kind: 'int', total: true },
    { key: 'taxable', header: 'Taxable sales (excl. VAT)', kind: 'money', total: true },
    { key: 'vat', header: 'VAT collected', kind: 'money', total: true },
    { key: 'total', header: 'Total incl. VAT', kind: 'money', total: true },
  ],
  chart: { label: 'month', value: 'vat' },
  async count(sql, shopId, p) {
    const [r] = await sql<{ n: number }[]>`
      select count(distinct (to_char(bill_date, 'YYYY-MM'), vat_percent))::int as n from bills
      where shop_id = ${shopId} and status <> 'Cancelled' and bill_date between ${p.from} and ${p.to}`;
    return r!.n;
  },
  rows: (sql, shopId, p) =>
    cursor(sql<Row[]>`
      select to_char(bill_date, 'YYYY-MM') as month, vat_percent, count(*)::int as bills,
             sum(subtotal_fils)::bigint as taxable, sum(vat_fils)::bigint as vat, sum(total_fils)::bigint as total
      from bills where shop_id = ${shopId} and status <> 'Cancelled' and bill_date between ${p.from} and ${p.to}
      group by 1, 2 order by 1, 2`.cursor(CURSOR_BATCH)),
};

export const customers: ReportSource = {
  title: 'Customers and loyalty',
  columns: [
    { key: 'name', header: 'Customer', kind: 'text' },
    { key: 'phone', header: 'Phone', kind: 'text' },
    { key: 'city', header: 'City', kind: 'text' },
    { key: 'area', header: 'Area', kind: 'text' },
    { key: 'bills', header: 'Bills in period', kind: 'int', total: true },
    { key: 'spent', header: 'Spent in period', kind: 'money', total: true },
    { key: 'available_points', header: 'Points', kind: 'int', total: true },
    { key: 'lifetime_points', header: 'Lifetime points', kind: 'int', total: true },
    { key: 'tier', header: 'Tier', kind: 'text' },
  ],
  chart: { label: 'name', value: 'spent' },
  async count(sql, shopId) {
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from customers where shop_id = ${shopId} and deleted_at is null`;
    return r!.n;
  },
  rows: (sql, shopId, p) =>
    cursor(sql<Row[]>`
      select c.name, c.phone, c.city, c.area,
             coalesce(s.bills, 0)::int as bills, coalesce(s.spent, 0)::bigint as spent,
             coalesce(a.available_points, 0)::bigint as available_points, coalesce(a.lifetime_points, 0)::bigint as lifetime_points,
             t.name as tier
      from customers c
      left join lateral (
        select count(*) as bills, sum(total_fils) as spent from bills b
        where b.shop_id = c.shop_id and b.customer_id = c.id and b.status <> 'Cancelled' and b.bill_date between ${p.from} and ${p.to}
      ) s on true
      left join loyalty_accounts a on a.shop_id = c.shop_id and a.customer_id = c.id
      left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
      where c.shop_id = ${shopId} and c.deleted_at is null
      order by spent desc nulls last, c.name, c.id`.cursor(CURSOR_BATCH)),
};
