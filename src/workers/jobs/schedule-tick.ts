/**
 * Job "tick" (a BullMQ job scheduler, every minute; tests run the handler with a given `now`):
 * - scheduled reports (domain/reports/schedules.ts);
 * - recurring expenses that are due become expense rows (domain/expenses/generate-recurring.ts);
 * - each shop's next report is dispatched again when it has waited over a minute (a crash
 *   between commit and dispatch, or a lost dispatch after a report finished);
 * - expired report files are deleted, and Idempotency-Keys older than 48 h, and sessions whose
 *   last token expired a day ago.
 */
import type { Job } from 'bullmq';
import type { Sql } from '../../db/client.ts';
import { purgeExpiredSessions } from '../../domain/auth/index.ts';
import type { Clock } from '../../domain/common/index.ts';
import { purgeIdempotencyKeys } from '../../domain/billing/index.ts';
import { expireReports, type ReportJobs, runSchedules, waitingHeads } from '../../domain/reports/index.ts';
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

export function handler(deps: Deps) {
  return async (job: Job<Payload>) => {
    const now = job.data?.now === undefined ? deps.clock.now() : new Date(job.data.now);
    const created = await runSchedules(deps.sql, now);
    // A shop's next report whose dispatch was lost: queued for over a minute (the job id dedupes
    // those still in the queue), or running for long enough that its job may be gone with Redis.
    const stale = await waitingHeads(deps.sql, new Date(now.getTime() - 60_000), new Date(now.getTime() - 15 * 60_000));
    for (const id of [...created, ...stale]) await deps.jobs.enqueueReport(id);
    const expenses = deps.generateRecurring ? await deps.generateRecurring(deps.sql, now) : 0;
    const expired = await expireReports(deps.sql, now, (id, err) => deps.log.warn({ report: id, err: err.message }, 'could not delete an expired report file'));
    const keys = await purgeIdempotencyKeys(deps.sql, now);
    const sessions = await purgeExpiredSessions(deps.sql);
    return { reports: created.length, requeued: stale.length, expenses, expired, keys, sessions };
  };
}
