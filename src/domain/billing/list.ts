/**
 * GET /api/bills: newest first, with filters and search (bill number, customer name, or a
 * fragment of the phone). Two ways to page: ?page= (with a total, as every list) or ?cursor=
 * (keyset on created_at, id: deep pages cost the same as the first one).
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { checkOptionalPeriod, likePattern, offsetOf, pageResult, phoneFragment } from '../common/index.ts';
import { billSummary, type BillRow } from './present.ts';
import type { ListBillsQuery } from './schema.ts';

function decodeCursor(c: string): { at: string; id: number } {
  try {
    const [at, id] = JSON.parse(Buffer.from(c, 'base64url').toString('utf8')) as [string, number];
    if (typeof at !== 'string' || !Number.isSafeInteger(id) || Number.isNaN(Date.parse(at))) throw new Error('bad');
    return { at, id };
  } catch {
    throw ERRORS.validation([{ field: 'cursor', message: 'is not a cursor this API returned' }]);
  }
}

/**
 * The cursor holds created_at to the microsecond, as Postgres stores it (`cursor_at`): a
 * millisecond Date would make the next page's `<` skip bills created in the same millisecond
 * but later than the truncated instant. It is sent as text and cast in SQL: postgres.js would
 * serialise a timestamptz parameter through a JavaScript Date, truncating it again.
 */
const encodeCursor = (b: BillRow & { cursor_at: string }) => Buffer.from(JSON.stringify([b.cursor_at, b.id])).toString('base64url');

export async function listBills(sql: Db, shopId: number, q: ListBillsQuery) {
  checkOptionalPeriod(q.from, q.to);
  const term = q.search?.trim();
  const digits = term ? phoneFragment(term) : '';
  const where = sql`
    b.shop_id = ${shopId}
    ${q.status ? sql`and b.status = ${q.status}` : sql``}
    ${q.from ? sql`and b.bill_date >= ${q.from}` : sql``}
    ${q.to ? sql`and b.bill_date <= ${q.to}` : sql``}
    ${q.employee_id ? sql`and b.employee_id = ${q.employee_id}` : sql``}
    ${q.customer_id ? sql`and b.customer_id = ${q.customer_id}` : sql``}
    ${
      term
        ? sql`and (b.bill_number ilike ${likePattern(term)} or b.customer_name ilike ${likePattern(term)}
              ${digits ? sql`or b.customer_phone like ${likePattern(digits)}` : sql``})`
        : sql``
    }`;

  if (q.cursor !== undefined) {
    const after = q.cursor ? decodeCursor(q.cursor) : undefined;
    const rows = await sql<(BillRow & { cursor_at: string })[]>`
      select b.*, to_char(b.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at from bills b where ${where}
      ${after ? sql`and (b.created_at, b.id) < (${after.at}::text::timestamptz, ${after.id})` : sql``}
      order by b.created_at desc, b.id desc limit ${q.per_page + 1}`;
    const more = rows.length > q.per_page;
    const items = rows.slice(0, q.per_page);
    return { items: items.map(billSummary), next_cursor: more ? encodeCursor(items[items.length - 1]!) : null };
  }
  const page = { page: q.page ?? 1, per_page: q.per_page };
  const [rows, [count]] = await Promise.all([
    sql<BillRow[]>`
      select * from bills b where ${where}
      order by b.created_at desc, b.id desc limit ${page.per_page} offset ${offsetOf(page)}`,
    sql<{ n: number }[]>`select count(*)::int as n from bills b where ${where}`,
  ]);
  return pageResult(rows.map(billSummary), page, count!.n);
}
