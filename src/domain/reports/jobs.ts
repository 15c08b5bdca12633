/** A report job's life in report_jobs, as the workers move it: claimed, progressing, failed, mailed, expired. */
import { unlink } from 'node:fs/promises';
import type { Sql } from '../../db/client.ts';
import type { ReportRow } from './service.ts';

/**
 * Moves a report to running. Undefined when it is not startable (done, or gone); 'busy' when
 * another report of its shop is running (report_jobs_one_running_key).
 */
export async function claimReport(sql: Sql, id: string): Promise<ReportRow | 'busy' | undefined> {
  try {
    const [report] = await sql<ReportRow[]>`
      update report_jobs set status = 'running', progress = 0, error = null
      where id = ${id} and status in ('queued', 'running', 'failed') returning *`;
    return report;
  } catch (err) {
    const e = err as { code?: string; constraint_name?: string };
    if (e?.code === '23505' && e.constraint_name === 'report_jobs_one_running_key') return 'busy';
    throw err;
  }
}

export async function reportById(sql: Sql, id: string): Promise<ReportRow | undefined> {
  const [r] = await sql<ReportRow[]>`select * from report_jobs where id = ${id}`;
  return r;
}

export async function saveProgress(sql: Sql, id: string, progress: number): Promise<void> {
  await sql`update report_jobs set progress = ${progress} where id = ${id} and status = 'running'`;
}

/** After the last attempt: record the failure so GET /api/reports/:id says why. */
export async function markFailed(sql: Sql, reportId: string, message: string): Promise<void> {
  await sql`update report_jobs set status = 'failed', error = ${message.slice(0, 500)}, finished_at = now() where id = ${reportId} and status <> 'done'`;
}

/** A report with what its mail needs: the shop's name and currency. */
export async function reportForMail(sql: Sql, id: string): Promise<(ReportRow & { shop_name: string; currency: string }) | undefined> {
  const [r] = await sql<(ReportRow & { shop_name: string; currency: string })[]>`
    select j.*, s.name as shop_name, st.currency from report_jobs j
    join shops s on s.id = j.shop_id join shop_settings st on st.shop_id = j.shop_id
    where j.id = ${id}`;
  return r;
}

export async function markEmailed(sql: Sql, id: string): Promise<void> {
  await sql`update report_jobs set emailed_at = now() where id = ${id}`;
}

/**
 * Deletes the files of reports expired at `now` and forgets their paths. RETURNING gives the row
 * after the update (file_path null): the path to delete comes from the locked rows before it.
 * A file already gone is fine; any other unlink error is passed to `onError` and the row is
 * forgotten anyway (the file is no longer served).
 */
export async function expireReports(sql: Sql, now: Date, onError: (id: string, err: Error) => void): Promise<number> {
  const expired = await sql<{ id: string; file_path: string }[]>`
    with gone as (
      select id, file_path from report_jobs where expires_at < ${now} and file_path is not null for update skip locked
    )
    update report_jobs j set file_path = null from gone where j.id = gone.id returning gone.id, gone.file_path`;
  for (const f of expired) {
    await unlink(f.file_path).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') onError(f.id, err);
    });
  }
  return expired.length;
}
