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
