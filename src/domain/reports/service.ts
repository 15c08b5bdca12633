/**
 * Report jobs: a request is a row in report_jobs (queued) plus a BullMQ job that carries only its
 * id; the worker builds the file, records progress, and the requester downloads it from the same
 * shop only. Files expire (config REPORT_TTL_HOURS) and are cleaned up.
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { assertRecipientsAllowed } from '../mail/index.ts';
import { admitReport } from './queue.ts';
import type { CreateReportBody, PutSchedulesBody, ReportFormat, ReportParams, ReportType } from './schema.ts';

/** What the REST layer needs from the job queue (implemented in src/workers). */
export interface ReportJobs {
  /**
   * Gives the report's shop its turn in the job queue: queues the shop's next report (this one,
   * or the one it waits behind) unless that one is queued already.
   */
  enqueueReport(reportId: string): Promise<void>;
}

export interface ReportRow {
  id: string;
  shop_id: number;
  requested_by: number | null;
  type: ReportType;
  format: ReportFormat;
  params: ReportParams;
  email_to: string | null;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: number;
  rows: number | null;
  file_path: string | null;
  error: string | null;
  emailed_at: Date | null;
  created_at: Date;
  finished_at: Date | null;
  expires_at: Date | null;
  /** Which server the rows were read on (REPORTS_DATABASE_URL: replica when it had caught up). */
  read_from: 'primary' | 'replica' | null;
}

/** Longest period a report may cover (ten years). */
const MAX_DAYS = 3660;

/** Queues a report; past the shop's bound (queue.ts) it answers 429 and creates nothing. */
export async function createReport(sql: Sql, p: Principal, body: CreateReportBody): Promise<ReportRow> {
  if (body.from > body.to) throw ERRORS.validation([{ field: 'from', message: 'must not be after to' }]);
  if ((Date.parse(body.to) - Date.parse(body.from)) / 86_400_000 > MAX_DAYS) {
    throw ERRORS.validation([{ field: 'from', message: `a report may span at most ${MAX_DAYS} days` }]);
  }
  const params: ReportParams = { from: body.from, to: body.to, ...(body.filters ? { filters: body.filters } : {}) };
  if (body.email_to) await assertRecipientsAllowed(sql, p.shopId, [body.email_to], 'email_to');
  return sql.begin(async (tx) => {
    await admitReport(tx, p.shopId);
    const [row] = await tx<ReportRow[]>`
      insert into report_jobs (shop_id, requested_by, type, format, params, email_to)
      values (${p.shopId}, ${p.kind === 'user' ? p.id : null}, ${body.type}, ${body.format}, ${tx.json(params as never)}, ${body.email_to ?? null})
      returning *`;
    return row!;
  });
}

export async function loadReport(sql: Db, shopId: number, id: string): Promise<ReportRow> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw ERRORS.notFound('Report');
  const [row] = await sql<ReportRow[]>`select * from report_jobs where shop_id = ${shopId} and id = ${id}`;
  if (!row) throw ERRORS.notFound('Report');
  return row;
}

export function presentReport(r: ReportRow) {
  const downloadable = r.status === 'done' && r.file_path && (!r.expires_at || r.expires_at > new Date());
  return {
    id: r.id,
    type: r.type,
    format: r.format,
    status: r.status,
    progress: r.progress,
    rows: r.rows,
    params: r.params,
    download_url: downloadable ? `/api/reports/${r.id}/download` : null,
    error: r.error,
    emailed: r.emailed_at !== null,
    created_at: r.created_at,
    finished_at: r.finished_at,
    expires_at: r.expires_at,
    read_from: r.read_from,
  };
}

export async function listSchedules(sql: Db, shopId: number) {
  return sql`
    select kind, enabled, hour, recipients, format, updated_at from report_schedules where shop_id = ${shopId} order by kind`;
}

export async function putSchedules(sql: Db, shopId: number, body: PutSchedulesBody) {
  const kinds = body.schedules.map((s) => s.kind);
  if (new Set(kinds).size !== kinds.length) throw ERRORS.validation([{ field: 'schedules', message: 'each kind at most once' }]);
  await assertRecipientsAllowed(sql, shopId, body.schedules.flatMap((s) => s.recipients), 'recipients');
  for (const s of body.schedules) {
    await sql`
      insert into report_schedules (shop_id, kind, enabled, hour, recipients, format, updated_at)
      values (${shopId}, ${s.kind}, ${s.enabled}, ${s.hour}, ${s.recipients}, ${s.format ?? 'pdf'}, now())
      on conflict (shop_id, kind) do update set enabled = excluded.enabled, hour = excluded.hour,
        recipients = excluded.recipients, format = excluded.format, updated_at = now()`;
  }
  return listSchedules(sql, shopId);
}
