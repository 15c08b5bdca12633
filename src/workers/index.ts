/**
 * The worker role: BullMQ workers for reports, mail and the minute tick, each with an 'error'
 * listener, closed gracefully on SIGTERM (in-flight jobs finish; unfinished ones are retried
 * by the next worker because their lock lapses).
 */
import { Worker } from 'bullmq';
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { ChangeNotifier, Clock } from '../domain/common/index.ts';
import type { MailJobs } from '../domain/mail/index.ts';
import { markFailed, type ReportJobs } from '../domain/reports/index.ts';
import type { Logger } from '../log.ts';
import { createRedis, type Redis } from '../redis/client.ts';
import * as buildReport from './jobs/build-report.ts';
import * as scheduleTick from './jobs/schedule-tick.ts';
import * as sendConfirmation from './jobs/send-confirmation.ts';
import * as sendMail from './jobs/send-report-mail.ts';
import { createMailer } from './mail/transport.ts';
import { QUEUES, type Queues } from './queues.ts';
import { reportJobs as dispatchReports } from './report-dispatch.ts';

export interface WorkersDeps {
  config: Readonly<Config>;
  sql: Sql;
  /** REPORTS_DATABASE_URL's pool: report rows are read there once it caught up. */
  replicaSql?: Sql;
  queues: Queues;
  jobs: ReportJobs;
  notifier: ChangeNotifier;
  log: Logger;
  prefix: string;
  clock: Clock;
  generateRecurring?: (sql: Sql, now: Date) => Promise<number>;
  /** Where report build durations go (/metrics). */
  metrics?: { observeReport(format: string, type: string, status: 'ok' | 'failed', seconds: number): void };
}

export interface Workers {
  close(): Promise<void>;
}

/** The REST side of the mail queue: a recipient's confirmation mail (the payload is its id). */
export function mailJobs(queues: Queues): MailJobs {
  return {
    async enqueueConfirmation(recipientId) {
      await queues.mail.add(sendConfirmation.NAME, { recipientId }, { attempts: 5, backoff: { type: 'exponential', delay: 5000 }, removeOnComplete: 1000 });
    },
  };
}

/** The REST side of the queue: each shop's next report, one at a time (report-dispatch.ts). */
export function reportJobs(queues: Queues, sql: Sql): ReportJobs {
  return dispatchReports(queues.reports, sql);
}

export async function startWorkers(deps: WorkersDeps): Promise<Workers> {
  const { config, log } = deps;
  const connection = (): Redis => createRedis(config, { name: 'tajir-worker', maxRetriesPerRequest: null });
  const mailer = createMailer(config.smtpUrl, config.mailDir, log);
  const reports = new Worker(QUEUES.reports, buildReport.handler({ sql: deps.sql, replicaSql: deps.replicaSql, replicaWaitMs: config.replicaWaitMs, queues: deps.queues, jobs: deps.jobs, notifier: deps.notifier, reportsDir: config.reportsDir, ttlHours: config.reportTtlHours, observe: (...a) => deps.metrics?.observeReport(...a) }), {
    connection: connection(),
    prefix: deps.prefix,
    concurrency: 2,
    // a worker that dies mid-report stops renewing its lock; another worker then retries the job
    lockDuration: config.workerLockMs,
    stalledInterval: config.workerLockMs,
  });
  reports.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    log.warn({ reportId: job.data.reportId, attempt: job.attemptsMade, final, err: err.message }, 'report job failed');
    // the shop's next report gets its turn once this one's failure is recorded
    if (final) {
      void markFailed(deps.sql, job.data.reportId, err.message)
        .then(() => deps.jobs.enqueueReport(job.data.reportId))
        .catch((e: Error) => log.warn({ reportId: job.data.reportId, err: e.message }, 'could not dispatch the next report'));
    }
  });
  const reportMail = sendMail.handler({ sql: deps.sql, mailer, from: config.mailFrom, quotaPerDay: config.mailQuotaPerDay, log });
  const confirmMail = sendConfirmation.handler({ sql: deps.sql, mailer, from: config.mailFrom, publicUrl: config.publicUrl, quotaPerDay: config.mailQuotaPerDay, log });
  const mail = new Worker(QUEUES.mail, (job) => (job.name === sendConfirmation.NAME ? confirmMail(job) : reportMail(job)), {
    connection: connection(),
    prefix: deps.prefix,
    concurrency: 4,
  });
  mail.on('failed', (job, err) => log.warn({ job: job?.name, reportId: job?.data.reportId, err: err.message }, 'mail job failed'));
  const ticks = new Worker(QUEUES.schedules, scheduleTick.handler({ sql: deps.sql, jobs: deps.jobs, log, clock: deps.clock, generateRecurring: deps.generateRecurring }), {
    connection: connection(),
    prefix: deps.prefix,
    concurrency: 1,
  });
  for (const w of [reports, mail, ticks]) w.on('error', (err) => log.error({ err: err.message }, 'worker error'));
  await deps.queues.schedules.upsertJobScheduler('minute-tick', { every: 60_000 }, { name: scheduleTick.NAME, data: {} });
  return {
    async close() {
      await Promise.allSettled([reports.close(), mail.close(), ticks.close()]);
      mailer.close();
    },
  };
}
