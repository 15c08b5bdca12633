/**
 * Bill numbers BILL-YYYYMMDD-NNN per shop and shop-local day. The upsert takes the counter row's
 * lock until the bill's transaction ends: concurrent bills of one shop get consecutive numbers in
 * commit order, and a rolled-back bill releases its number to the next one (no gaps, no
 * duplicates). Past 999 bills in a day the number simply grows a digit (BILL-…-1000).
 */
import type { Db } from '../../db/client.ts';

export function formatBillNumber(day: string, n: number): string {
  return `BILL-${day.replace(/-/g, '')}-${String(n).padStart(3, '0')}`;
}

export async function nextBillNumber(tx: Db, shopId: number, day: string): Promise<string> {
  const [row] = await tx<{ last_no: number }[]>`
    insert into bill_counters (shop_id, day, last_no) values (${shopId}, ${day}, 1)
    on conflict (shop_id, day) do update set last_no = bill_counters.last_no + 1
    returning last_no`;
  return formatBillNumber(day, row!.last_no);
}

/** The number the next bill of today will get (a preview: it is not reserved). */
export async function peekBillNumber(sql: Db, shopId: number): Promise<string> {
  const [row] = await sql<{ today: string; last_no: number | null }[]>`
    select (now() at time zone s.timezone)::date as today,
           (select last_no from bill_counters c where c.shop_id = s.shop_id and c.day = (now() at time zone s.timezone)::date) as last_no
    from shop_settings s where s.shop_id = ${shopId}`;
  return formatBillNumber(row!.today, (row!.last_no ?? 0) + 1);
}
