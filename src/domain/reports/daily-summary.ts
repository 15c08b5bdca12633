/**
 * The daily summary a schedule emails to managers: one row per figure for the day (revenue,
 * bills, collected, outstanding, expenses), then the top products and top employees.
 */
import type { Sql } from '../../db/client.ts';
import type { ReportParams } from './schema.ts';
import type { ReportSource, Row } from './sources/types.ts';

async function summaryRows(sql: Sql, shopId: number, p: ReportParams): Promise<Row[]> {
  const [t] = await sql<{ revenue: number; bills: number; vat: number; outstanding: number }[]>`
    select coalesce(sum(total_fils) filter (where status <> 'Cancelled'), 0)::bigint as revenue,
           count(*) filter (where status <> 'Cancelled')::int as bills,
           coalesce(sum(vat_fils) filter (where status <> 'Cancelled'), 0)::bigint as vat,
           (select coalesce(sum(total_fils - paid_fils), 0) from bills where shop_id = ${shopId} and status in ('Pending', 'Partial'))::bigint as outstanding
    from bills where shop_id = ${shopId} and bill_date between ${p.from} and ${p.to}`;
  const [c] = await sql<{ collected: number }[]>`
    select coalesce(sum(amount_fils), 0)::bigint as collected from payments pm join shop_settings s on s.shop_id = pm.shop_id
    where pm.shop_id = ${shopId} and (pm.paid_at at time zone s.timezone)::date between ${p.from} and ${p.to}`;
  const [e] = await sql<{ expenses: number }[]>`
    select coalesce(sum(amount_fils), 0)::bigint as expenses from expenses
    where shop_id = ${shopId} and deleted_at is null and expense_date between ${p.from} and ${p.to}`;
  const top = await sql<{ name: string; revenue: number }[]>`
    select l.product_name as name, sum(l.total_fils)::bigint as revenue from bill_lines l
    join bills b on b.shop_id = l.shop_id and b.id = l.bill_id
    where l.shop_id = ${shopId} and b.status <> 'Cancelled' and b.bill_date between ${p.from} and ${p.to}
    group by 1 order by 2 desc limit 5`;
  const emps = await sql<{ name: string; revenue: number }[]>`
    select e.name, sum(b.total_fils)::bigint as revenue from bills b join employees e on e.shop_id = b.shop_id and e.id = b.employee_id
    where b.shop_id = ${shopId} and b.status <> 'Cancelled' and b.bill_date between ${p.from} and ${p.to}
    group by 1 order by 2 desc limit 5`;
  return [
    { figure: 'Revenue', value: t!.revenue },
    { figure: 'Bills', value: null, count: t!.bills },
    { figure: 'VAT', value: t!.vat },
    { figure: 'Collected', value: c!.collected },
    { figure: 'Outstanding (all open bills)', value: t!.outstanding },
    { figure: 'Expenses', value: e!.expenses },
    ...top.map((x) => ({ figure: `Top product: ${x.name}`, value: x.revenue })),
    ...emps.map((x) => ({ figure: `Top employee: ${x.name}`, value: x.revenue })),
  ];
}

export const dailySummary: ReportSource = {
  title: 'Daily summary',
  columns: [
    { key: 'figure', header: 'Figure', kind: 'text' },
    { key: 'count', header: 'Count', kind: 'int' },
    { key: 'value', header: 'Amount', kind: 'money' },
  ],
  count: async () => 16,
  async *rows(sql, shopId, p) {
    yield await summaryRows(sql, shopId, p);
  },
};
