/**
 * Invoices: one row per bill, with the filters of DOMAIN.md (dates, products, employees, city,
 * area, status). A cancelled bill is listed with the amounts it had (what was voided), paid and
 * balance 0, and left out of the totals row, so the totals are what was sold and Total = Paid +
 * Balance holds.
 */
import type { Db, Sql } from '../../../db/client.ts';
import type { ReportParams } from '../schema.ts';
import { CURSOR_BATCH, type ReportSource, type Row } from './types.ts';

function where(sql: Db, shopId: number, p: ReportParams) {
  const f = p.filters ?? {};
  return sql`
    b.shop_id = ${shopId} and b.bill_date between ${p.from} and ${p.to}
    ${f.status ? sql`and b.status = ${f.status}` : sql``}
    ${f.city ? sql`and b.customer_city = ${f.city}` : sql``}
    ${f.area ? sql`and b.customer_area = ${f.area}` : sql``}
    ${f.employee_ids?.length ? sql`and b.employee_id in ${sql(f.employee_ids)}` : sql``}
    ${
      f.product_ids?.length
        ? sql`and exists (select 1 from bill_lines l where l.shop_id = b.shop_id and l.bill_id = b.id and l.product_id in ${sql(f.product_ids)})`
        : sql``
    }`;
}

export const invoices: ReportSource = {
  title: 'Invoices',
  columns: [
    { key: 'bill_number', header: 'Bill', kind: 'text' },
    { key: 'bill_date', header: 'Date', kind: 'date' },
    { key: 'customer_name', header: 'Customer', kind: 'text' },
    { key: 'customer_phone', header: 'Phone', kind: 'text' },
    { key: 'customer_city', header: 'City', kind: 'text' },
    { key: 'customer_area', header: 'Area', kind: 'text' },
    { key: 'employee', header: 'Master', kind: 'text' },
    { key: 'status', header: 'Status', kind: 'text' },
    { key: 'subtotal', header: 'Subtotal', kind: 'money', total: true },
    { key: 'discount', header: 'Discount', kind: 'money', total: true },
    { key: 'vat', header: 'VAT', kind: 'money', total: true },
    { key: 'total', header: 'Total', kind: 'money', total: true },
    { key: 'paid', header: 'Paid', kind: 'money', total: true },
    { key: 'balance', header: 'Balance', kind: 'money', total: true },
  ],
  totals: { label: 'Total (cancelled bills excluded)', include: (row) => row.status !== 'Cancelled' },
  async count(sql, shopId, p) {
    const [r] = await sql<{ n: number }[]>`select count(*)::int as n from bills b where ${where(sql, shopId, p)}`;
    return r!.n;
  },
  async *rows(sql: Sql, shopId, p) {
    const cursor = sql<Row[]>`
      select b.bill_number, b.bill_date, b.customer_name, b.customer_phone, b.customer_city, b.customer_area,
             e.name as employee, b.status, b.subtotal_fils as subtotal, b.discount_fils as discount, b.vat_fils as vat,
             b.total_fils as total, b.paid_fils as paid,
             case when b.status = 'Cancelled' then 0 else b.total_fils - b.paid_fils end as balance
      from bills b left join employees e on e.shop_id = b.shop_id and e.id = b.employee_id
      where ${where(sql, shopId, p)}
      order by b.bill_date, b.id`.cursor(CURSOR_BATCH);
    for await (const batch of cursor) yield batch;
  },
};
