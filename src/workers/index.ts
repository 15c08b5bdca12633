/**
 * The worker role: BullMQ workers for reports, mail and the minute tick, each with an 'error'
 * listener, closed gracefully on SIGTERM (in-flight jobs finish; unfinished ones are retried
 * by the next worker because their lock lapses).
 */
import { Worker } from 'bullmq';
import type { Config } from '../config.ts';
import type { Sql } from '../db/client.ts';
import type { ChangeNotifier } from '../domain/common/notifier.ts';
import type { ReportJobs } from '../domain/reports/service.ts';
import type { Logger } from '../log.ts';
import { createRedis, type Redis } from '../redis/client.ts';
import * as buildReport from './jobs/build-report.ts';
import * as scheduleTick from './jobs/schedule-tick.ts';
import * as sendMail from './jobs/send-report-mail.ts';
import { createMailer } from './mail/transport.ts';
import { QUEUES, type Queues } from './queues.ts';

export interface WorkersDeps {
  config: Readonly<Config>;
  sql: Sql;
  queues: Queues;
  jobs: ReportJobs;
  notifier: ChangeNotifier;
  log: Logger;
  prefix: string;
  generateRecurring?: (sql: Sql, now: Date) => Promise<number>;
}

export interface Workers {
  close(): Promise<void>;
}

/** The REST side of the queue: a report job whose BullMQ id is the report's, so it is queued once. */
export function reportJobs(queues: Queues): ReportJobs {
  return {
    async enqueueReport(reportId) {
      await queues.reports.add(buildReport.NAME, { reportId }, { ...buildReport.OPTIONS, jobId: `report-${reportId}` });
    },
  };
}

export async function startWorkers(deps: WorkersDeps): Promise<Workers> {
  const { config, log } = deps;
  const connection = (): Redis => createRedis(config.redisUrl, { name: 'tajir-worker', maxRetriesPerRequest: null });
  const mailer = createMailer(config.smtpUrl, config.mailDir, log);
  const reports = new Worker(QUEUES.reports, buildReport.handler({ sql: deps.sql, queues: deps.queues, notifier: deps.notifier, reportsDir: config.reportsDir, ttlHours: config.reportTtlHours }), {
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
    if (final) void buildReport.markFailed(deps.sql, job.data.reportId, err.message).catch(() => {});
  });
  const mail = new Worker(QUEUES.mail, sendMail.handler({ sql: deps.sql, mailer, from: config.mailFrom }), {
    connection: connection(),
    prefix: deps.prefix,
    concurrency: 4,
  });
  mail.on('failed', (job, err) => log.warn({ reportId: job?.data.reportId, err: err.message }, 'mail job failed'));
  const ticks = new Worker(QUEUES.schedules, scheduleTick.handler({ sql: deps.sql, jobs: deps.jobs, log, generateRecurring: deps.generateRecurring }), {
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
