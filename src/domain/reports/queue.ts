/**
 * A shop's report backlog (DOMAIN.md "Bounds": one running and at most 10 queued per shop).
 * report_jobs holds every shop's backlog in queue_seq order; the job queue holds only each
 * shop's next report, so a shop with a long backlog takes one turn at a time like every other.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';

/** Reports a shop may have waiting (not counting the one running). */
export const MAX_QUEUED_PER_SHOP = 10;

/**
 * Locks the shop's admission (until the caller's transaction ends) and says whether one more
 * report fits. The lock is what makes count-then-insert atomic: parallel requests of one shop
 * queue up here, so 20 at once cannot overshoot. FOR NO KEY UPDATE does not block the inserts
 * of other tables that reference the shop.
 */
export async function reportQueueHasRoom(tx: Db, shopId: number): Promise<boolean> {
  await tx`select 1 from shops where id = ${shopId} for no key update`;
  const [row] = await tx<{ n: number }[]>`
    select count(*)::int as n from report_jobs where shop_id = ${shopId} and status = 'queued'`;
  return row!.n < MAX_QUEUED_PER_SHOP;
}

/** As reportQueueHasRoom, for a request: a full queue answers 429 report_queue_full. */
export async function admitReport(tx: Db, shopId: number): Promise<void> {
  if (!(await reportQueueHasRoom(tx, shopId))) throw ERRORS.reportQueueFull(MAX_QUEUED_PER_SHOP);
}

/** The report the shop's turn goes to: the running one, else its oldest queued one. */
export async function nextReportOf(sql: Db, shopId: number): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    select id from report_jobs where shop_id = ${shopId} and status in ('queued', 'running')
    order by status = 'running' desc, queue_seq limit 1`;
  return row?.id;
}

/** The shop a report belongs to. */
export async function shopOfReport(sql: Db, reportId: string): Promise<number | undefined> {
  const [row] = await sql<{ shop_id: number }[]>`select shop_id from report_jobs where id = ${reportId}`;
  return row ? Number(row.shop_id) : undefined;
}

/**
 * The next report of every shop (at most `limit` shops) that is queued since before `queuedBefore`
 * or running since before `runningBefore`: the tick re-dispatches them, in case a dispatch was
 * lost. (A running report's job is normally alive: re-dispatching it is a no-op then.)
 */
export async function waitingHeads(sql: Db, queuedBefore: Date, runningBefore: Date, limit = 1000): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from (
      select distinct on (shop_id) id, status, created_at from report_jobs where status in ('queued', 'running')
      order by shop_id, status = 'running' desc, queue_seq
    ) head
    where created_at < case when status = 'running' then ${runningBefore}::timestamptz else ${queuedBefore}::timestamptz end
    limit ${limit}`;
  return rows.map((r) => r.id);
}
