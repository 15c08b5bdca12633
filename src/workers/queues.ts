/**
 * The BullMQ queues. Payloads carry ids only (a report id, a shop id and a date), never report
 * bodies or addresses (BullMQ's production guide): the worker re-reads what it needs.
 */
import { Queue } from 'bullmq';
import type { Redis } from '../redis/client.ts';

export const QUEUES = { reports: 'reports', mail: 'mail', schedules: 'schedules' } as const;

export interface Queues {
  reports: Queue;
  mail: Queue;
  schedules: Queue;
  close(): Promise<void>;
}

export function createQueues(connection: Redis, prefix: string): Queues {
  const opts = { connection, prefix };
  const reports = new Queue(QUEUES.reports, opts);
  const mail = new Queue(QUEUES.mail, opts);
  const schedules = new Queue(QUEUES.schedules, opts);
  for (const q of [reports, mail, schedules]) q.on('error', () => {}); // reconnects by itself; jobs are retried
  return {
    reports,
    mail,
    schedules,
    async close() {
      await Promise.allSettled([reports.close(), mail.close(), schedules.close()]);
    },
  };
}

/** What /metrics shows of the queues: job counts by state and the age of the oldest waiting job. */
export async function queueFigures(queues: Queues): Promise<{ queue: string; counts: Record<string, number>; oldestWaitingSeconds: number }[]> {
  return Promise.all(
    [queues.reports, queues.mail, queues.schedules].map(async (q) => {
      const [counts, [oldest]] = await Promise.all([q.getJobCounts(), q.getJobs(['waiting'], 0, 0, true)]);
      // a job that was delayed (a schedule's next tick, a retry's backoff) has waited since its delay ended
      const since = oldest ? oldest.timestamp + (oldest.delay || 0) : Date.now();
      return { queue: q.name, counts, oldestWaitingSeconds: Math.max(0, (Date.now() - since) / 1000) };
    }),
  );
}
