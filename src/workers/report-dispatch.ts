/**
 * Round-robin across shops with BullMQ's plain FIFO: the reports queue holds at most ONE job per
 * shop, the shop's next report (domain/reports/queue.ts); the rest of a shop's backlog waits in
 * report_jobs. When a shop's report finishes (done or finally failed) its next one is added, at
 * the tail, behind every other shop's waiting report. So a shop with ten reports waiting delays
 * another shop's report by at most one of its own, whatever the backlog.
 *
 * The job id is the report's, so dispatching the same report twice queues it once.
 */
import type { Queue } from 'bullmq';
import type { Sql } from '../db/client.ts';
import { markFailed, nextReportOf, shopOfReport, type ReportJobs } from '../domain/reports/index.ts';
import * as buildReport from './jobs/build-report.ts';

export function reportJobs(queue: Queue, sql: Sql): ReportJobs {
  async function dispatchShop(shopId: number, depth = 0): Promise<void> {
    const head = await nextReportOf(sql, shopId);
    if (!head) return;
    const job = await queue.add(buildReport.NAME, { reportId: head }, { ...buildReport.OPTIONS, jobId: buildReport.jobId(head) });
    if (depth > 0) return;
    // A finished job whose report is still open means its ending was never recorded (the worker
    // died between the two, or markFailed hit an error): without this the shop would wait forever,
    // since the job id dedupes every later dispatch.
    const state = await job.getState();
    if (state !== 'completed' && state !== 'failed') return;
    if ((await nextReportOf(sql, shopId)) !== head) return; // it ended in the meantime
    if (state === 'failed') {
      const stored = await queue.getJob(job.id ?? buildReport.jobId(head));
      await markFailed(sql, head, stored?.failedReason || 'failed');
    } else {
      await job.remove().catch(() => {}); // taken by a worker again: the next dispatch finds it
    }
    await dispatchShop(shopId, depth + 1);
  }
  return {
    async enqueueReport(reportId) {
      const shopId = await shopOfReport(sql, reportId);
      if (shopId !== undefined) await dispatchShop(shopId);
    },
  };
}
