/**
 * Job "tick" (a BullMQ job scheduler, every minute; tests run the handler with a given `now`):
 * - scheduled reports: the daily summary of yesterday once the shop's local hour is reached, and
 *   the VAT summary of last month on the 1st. Each (shop, kind, period) is claimed by inserting a
 *   report_schedule_runs row, so it is reported once however many ticks, workers or restarts.
 *   They pass the same per-shop admission as requests: a shop whose queue is full gets its
 *   scheduled report on a later tick;
 * - recurring expenses that are due become expense rows (domain/expenses/generate-recurring.ts);
 * - each shop's next report is dispatched again when it has waited over a minute (a crash
 *   between commit and dispatch, or a lost dispatch after a report finished);
 * - expired report files are deleted, and Idempotency-Keys older than 48 h, and sessions whose
 *   last token expired a day ago.
 */
import { unlink } from 'node:fs/promises';
import type { Job } from 'bullmq';
import type { Sql } from '../../db/client.ts';
import { purgeExpiredSessions } from '../../domain/auth/sessions.ts';
import { addDays, localDate, localHour } from '../../domain/common/calendar.ts';
import { purgeIdempotencyKeys } from '../../domain/billing/idempotency.ts';
import { reportQueueHasRoom, waitingHeads } from '../../domain/reports/queue.ts';
import type { ReportJobs } from '../../domain/reports/service.ts';
import type { Clock } from '../../domain/common/clock.ts';
import type { Logger } from '../../log.ts';

export const NAME = 'tick';
export interface Payload {
  /** ms since epoch; default: the clock's now */
  now?: number;
}

export interface Deps {
  sql: Sql;
  jobs: ReportJobs;
  log: Logger;
  clock: Clock;
  generateRecurring?: (sql: Sql, now: Date) => Promise<number>;
}

interface ScheduleRow {
  shop_id: number;
  kind: 'daily_summary' | 'monthly_vat';
  hour: number;
  format: 'csv' | 'xlsx' | 'pdf';
  timezone: string;
}

/** Claims and creates the scheduled reports due at `now`; returns the report ids created. */
export async function runSchedules(sql: Sql, now: Date): Promise<string[]> {
  const due = await sql<ScheduleRow[]>`
    select s.shop_id, s.kind, s.hour, s.format, st.timezone
    from report_schedules s join shop_settings st on st.shop_id = s.shop_id
    where s.enabled`;
  const created: string[] = [];
  for (const s of due) {
    const today = localDate(now, s.timezone);
    if (localHour(now, s.timezone) < s.hour) continue;
    let period: string;
    let from: string;
    let to: string;
    let type: string;
    if (s.kind === 'daily_summary') {
      period = addDays(today, -1);
      from = to = period;
      type = 'daily_summary';
    } else {
      if (!today.endsWith('-01')) continue;
      to = addDays(today, -1);
      from = `${to.slice(0, 7)}-01`;
      period = from;
      type = 'vat';
    }
    const id = await sql.begin(async (tx) => {
      if (!(await reportQueueHasRoom(tx, s.shop_id))) return undefined;
      const [claim] = await tx`
        insert into report_schedule_runs (shop_id, kind, period) values (${s.shop_id}, ${s.kind}, ${period})
        on conflict do nothing returning period`;
      if (!claim) return undefined;
      const [r] = await tx<{ id: string }[]>`
        insert into report_jobs (shop_id, type, format, params) values (${s.shop_id}, ${type}, ${s.format}, ${tx.json({ from, to })})
        returning id`;
      await tx`update report_schedule_runs set report_id = ${r!.id} where shop_id = ${s.shop_id} and kind = ${s.kind} and period = ${period}`;
      return r!.id;
    });
    if (id) created.push(id);
  }
  return created;
}

export function handler(deps: Deps) {
  return async (job: Job<Payload>) => {
    const now = job.data?.now === undefined ? deps.clock.now() : new Date(job.data.now);
    const created = await runSchedules(deps.sql, now);
    // A shop's next report whose dispatch was lost: queued for over a minute (the job id dedupes
    // those still in the queue), or running for long enough that its job may be gone with Redis.
    const stale = await waitingHeads(deps.sql, new Date(now.getTime() - 60_000), new Date(now.getTime() - 15 * 60_000));
    for (const id of [...created, ...stale]) await deps.jobs.enqueueReport(id);
    const expenses = deps.generateRecurring ? await deps.generateRecurring(deps.sql, now) : 0;
    // RETURNING gives the row after the update (file_path null): the path to delete comes from the
    // locked rows before it
    const expired = await deps.sql<{ id: string; file_path: string }[]>`
      with gone as (
        select id, file_path from report_jobs where expires_at < ${now} and file_path is not null for update skip locked
      )
      update report_jobs j set file_path = null from gone where j.id = gone.id returning gone.id, gone.file_path`;
    for (const f of expired) {
      await unlink(f.file_path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') deps.log.warn({ report: f.id, err: err.message }, 'could not delete an expired report file');
      });
    }
    const keys = await purgeIdempotencyKeys(deps.sql, now);
    const sessions = await purgeExpiredSessions(deps.sql);
    return { reports: created.length, requeued: stale.length, expenses, expired: expired.length, keys, sessions };
  };
}
