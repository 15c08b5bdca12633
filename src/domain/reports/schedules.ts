/**
 * Scheduled reports: the daily summary of yesterday once the shop's local hour is reached, and
 * the VAT summary of last month on the 1st. Each (shop, kind, period) is claimed by inserting a
 * report_schedule_runs row, so it is reported once however many ticks, workers or restarts. They
 * pass the same per-shop admission as requests (queue.ts): a shop whose queue is full gets its
 * scheduled report on a later tick.
 */
import type { Sql } from '../../db/client.ts';
import { addDays, localDate, localHour } from '../common/index.ts';
import { reportQueueHasRoom } from './queue.ts';

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

/** Whether a report was made by a schedule (its mail then goes to the schedule's recipients). */
export async function isScheduled(sql: Sql, reportId: string): Promise<boolean> {
  const [row] = await sql`select 1 from report_schedule_runs where report_id = ${reportId}`;
  return row !== undefined;
}

/**
 * A scheduled report goes to its schedule's recipients, or when the list is empty to the shop's
 * active owners and managers (read at send time, so a manager added since is included).
 */
export async function scheduleRecipients(sql: Sql, report: { id: string; shop_id: number }): Promise<string[]> {
  const [s] = await sql<{ recipients: string[] }[]>`
    select sc.recipients from report_schedule_runs run join report_schedules sc on sc.shop_id = run.shop_id and sc.kind = run.kind
    where run.report_id = ${report.id}`;
  if (!s) return [];
  if (s.recipients.length > 0) return s.recipients;
  const managers = await sql<{ email: string }[]>`
    select email from users where shop_id = ${report.shop_id} and role in ('owner', 'manager') and active order by id`;
  return managers.map((u) => u.email);
}
