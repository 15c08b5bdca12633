/**
 * Job "build-report" {reportId}: builds the file, then queues the email when the request asked
 * for one, and gives the shop's next report its turn (report-dispatch.ts). Retried with
 * exponential backoff; a report that cannot succeed (deleted, or data Postgres refuses) fails at
 * once (UnrecoverableError) instead of being retried.
 */
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Sql } from '../../db/client.ts';
import { readAfterCommits } from '../../db/replica.ts';
import { buildReport, claimReport, isScheduled, type ReportJobs, reportById, saveProgress } from '../../domain/reports/index.ts';
import type { ChangeNotifier } from '../../domain/common/index.ts';
import type { Queues } from '../queues.ts';

export const NAME = 'build-report';
export interface Payload {
  reportId: string;
}
/** One BullMQ job per report: dispatching a report twice queues it once. */
export const jobId = (reportId: string) => `report-${reportId}`;
/** How long a report waits when another report of its shop is running (see the handler). */
const BUSY_SHOP_DELAY_MS = 5000;
export const OPTIONS = { attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 1000, removeOnFail: 5000 };

export interface Deps {
  sql: Sql;
  /** A streaming replica to read the rows on (REPORTS_DATABASE_URL), when it has caught up. */
  replicaSql?: Sql;
  /** How long to wait for the replica to catch up before reading the primary, ms. */
  replicaWaitMs?: number;
  queues: Queues;
  jobs: ReportJobs;
  notifier: ChangeNotifier;
  reportsDir: string;
  ttlHours: number;
  /** Each build's duration and outcome (tajir_report_duration_seconds). */
  observe?: (format: string, type: string, status: 'ok' | 'failed', seconds: number) => void;
}

export function handler(deps: Deps) {
  return async (job: Job<Payload>, token?: string) => {
    const { sql } = deps;
    const report = await claimReport(sql, job.data.reportId);
    if (report === 'busy') {
      // Another report of the shop is running: only a dispatch that raced the end of that one
      // gets here. Waiting keeps the job without spending an attempt.
      await job.moveToDelayed(Date.now() + BUSY_SHOP_DELAY_MS, token);
      throw new DelayedError();
    }
    if (!report) {
      const done = await reportById(sql, job.data.reportId);
      if (!done) throw new UnrecoverableError(`report ${job.data.reportId} does not exist`);
      await deps.jobs.enqueueReport(done.id);
      return { skipped: 'already done' };
    }
    let lastWrite = 0;
    const started = performance.now();
    const took = () => (performance.now() - started) / 1000;
    // the claim above committed after the request: past the primary's position now, the replica
    // holds every bill committed before the report was asked for
    const read = await readAfterCommits(sql, deps.replicaSql, deps.replicaWaitMs ?? 0);
    const result = await buildReport(sql, report, {
      read,
      dir: deps.reportsDir,
      ttlHours: deps.ttlHours,
      onProgress: (r, progress) => {
        deps.notifier.reportProgress(r.shop_id, r.requested_by, r.id, progress);
        const now = Date.now();
        if (now - lastWrite > 500) {
          lastWrite = now;
          void saveProgress(sql, r.id, progress).catch(() => {});
        }
      },
    }).catch((err: unknown) => {
      deps.observe?.(report.format, report.type, 'failed', took());
      throw permanent(err) ? new UnrecoverableError((err as Error).message) : err;
    });
    deps.observe?.(report.format, report.type, 'ok', took());
    deps.notifier.reportReady(report.shop_id, report.requested_by, report.id, `/api/reports/${report.id}/download`);
    if (report.email_to || (await isScheduled(sql, report.id))) {
      // jobId = report id: queueing the same email twice (a retried build) is a no-op
      await deps.queues.mail.add('send-report', { reportId: report.id }, { jobId: `mail-${report.id}`, attempts: 5, backoff: { type: 'exponential', delay: 5000 } });
    }
    // a lost dispatch here is repaired by the minute tick
    await deps.jobs.enqueueReport(report.id);
    return { rows: result.rows };
  };
}

/**
 * An error a retry cannot cure: Postgres refusing the request's own data (class 22, e.g. a date
 * that does not exist) or the query itself (class 42). Connection and I/O errors are retried.
 */
function permanent(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|42)[0-9A-Z]{3}$/.test(code);
}
