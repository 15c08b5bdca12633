/**
 * Bill numbers BILL-YYYYMMDD-NNN per shop and shop-local day (the format is the SQL function
 * bill_number, migration 0011). Taking a number (bill_write, migration 0040) upserts the day's bill_counters row, whose lock
 * is held until the bill's transaction ends: concurrent bills of one shop get consecutive numbers
 * in commit order, and a rolled-back bill releases its number to the next one (no gaps, no
 * duplicates).
 */
import type { Db } from '../../db/client.ts';

/** bill_number(day, n) in TypeScript, for bulk loads that build rows without a statement per bill (seed). */
export function formatBillNumber(day: string, n: number): string {
  return `BILL-${day.replace(/-/g, '')}-${String(n).padStart(3, '0')}`;
}

/** The number the next bill of today will get (a preview: it is not reserved). */
export async function peekBillNumber(sql: Db, shopId: number, now: Date): Promise<string> {
  const [row] = await sql<{ bill_number: string }[]>`
    select bill_number(t.today, coalesce(c.last_no, 0) + 1) as bill_number
    from (select (${now}::timestamptz at time zone timezone)::date as today from shop_settings where shop_id = ${shopId}) t
    left join bill_counters c on c.shop_id = ${shopId} and c.day = t.today`;
  return row!.bill_number;
}
