/** Reports (API.md "Reports"): requested here, built by the worker role, downloaded by the same shop. */
import { stat } from 'node:fs/promises';
import { Type } from '@sinclair/typebox';
import { ItemsOf, PageOf, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import { ROLES } from '../../domain/auth/index.ts';
import { createReport, CreateReportBody, listSchedules, loadReport, presentReport, putSchedules, PutSchedulesBody, ReportAccepted, ReportOut, ScheduleOut } from '../../domain/reports/index.ts';
import { ERRORS } from '../../errors.ts';
import { FileReply, route } from '../http/route.ts';

const tag = 'reports';
const ReportParams = Type.Object({ id: Type.String({ maxLength: 36 }) });
const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
} as const;

export const reportsRoutes = [
  route({
    method: 'post',
    path: '/api/reports',
    summary:
      'Request a report (answered at once; built in the background, emailed when email_to is given). A shop has one report running and at most 10 queued: past that, 429 report_queue_full with Retry-After',
    tag,
    auth: ROLES.managers,
    body: CreateReportBody,
    status: 202,
    response: ReportAccepted,
    handler: async ({ body, principal, deps }) => {
      const r = await createReport(deps.sql, principal, body);
      await deps.jobs.enqueueReport(r.id);
      return { id: r.id, status: r.status };
    },
  }),
  route({
    method: 'get',
    path: '/api/reports/:id',
    summary: 'Status, progress, row count or error of a report',
    tag,
    auth: ROLES.managers,
    params: ReportParams,
    response: ReportOut,
    handler: async ({ params, principal, deps }) => presentReport(await loadReport(deps.sql, principal.shopId, params.id)),
  }),
  route({
    method: 'get',
    path: '/api/reports/:id/download',
    summary: 'The report file (same shop only; 404 once expired)',
    tag,
    auth: ROLES.managers,
    params: ReportParams,
    response: Type.String({ contentMediaType: 'application/octet-stream', description: 'the CSV, XLSX or PDF file' }),
    responseType: 'application/octet-stream',
    responseDescription: 'The file, streamed; Content-Type text/csv, the XLSX or the PDF media type',
    handler: async ({ params, principal, deps }) => {
      const r = await loadReport(deps.sql, principal.shopId, params.id);
      const view = presentReport(r);
      if (!view.download_url || !r.file_path) throw ERRORS.notFound('Report file');
      const info = await stat(r.file_path).catch(() => undefined);
      if (!info) throw ERRORS.notFound('Report file');
      return new FileReply(r.file_path, info.size, CONTENT_TYPES[r.format], {
        'Content-Disposition': `attachment; filename="${r.type}-${r.params.from}-${r.params.to}.${r.format}"`,
      });
    },
  }),
  route({
    method: 'get',
    path: '/api/report-schedules',
    summary: 'The daily summary and monthly VAT schedules of the shop',
    tag,
    auth: ROLES.managers,
    query: ShortListQuery,
    response: PageOf(ScheduleOut),
    handler: async ({ query, principal, deps }) => pageOfAll(await listSchedules(deps.sql, principal.shopId), query),
  }),
  route({
    method: 'put',
    path: '/api/report-schedules',
    summary: 'Set the schedules (local hour, recipients, format, enabled)',
    tag,
    auth: ROLES.managers,
    body: PutSchedulesBody,
    response: ItemsOf(ScheduleOut),
    handler: async ({ body, principal, deps }) => ({ items: await putSchedules(deps.sql, principal.shopId, body) }),
  }),
];
