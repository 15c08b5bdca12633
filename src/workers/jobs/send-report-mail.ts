/**
 * Job "send-report" {reportId}: emails the report file as an attachment with a short summary.
 * The attachment is streamed from disk by nodemailer (`path`), so a large report never sits in
 * the worker's memory. Idempotent: the send is recorded (report_jobs.emailed_at) before the job
 * is acknowledged, and a retried job that finds it recorded does not send again.
 */
import { access } from 'node:fs/promises';
import { basename } from 'node:path';
import { type Job, UnrecoverableError } from 'bullmq';
import type { Sql } from '../../db/client.ts';
import { notAllowed, takeMailQuota } from '../../domain/mail/index.ts';
import { markEmailed, reportForMail, scheduleRecipients } from '../../domain/reports/index.ts';
import type { Logger } from '../../log.ts';
import { headerText } from '../mail/header-text.ts';
import type { Mailer } from '../mail/transport.ts';

/** MAIL_QUOTA_PER_DAY's default, for callers that pass none. */
const DEFAULT_QUOTA = 200;

export const NAME = 'send-report';
export interface Payload {
  reportId: string;
}

export function handler(deps: { sql: Sql; mailer: Mailer; from: string; quotaPerDay?: number; log?: Logger }) {
  return async (job: Job<Payload>) => {
    const { sql } = deps;
    const r = await reportForMail(sql, job.data.reportId);
    if (!r) throw new UnrecoverableError('report does not exist');
    if (r.emailed_at) return { skipped: 'already sent' };
    if (r.status !== 'done' || !r.file_path) throw new Error('report not built yet');
    const named = r.email_to ? [r.email_to] : await scheduleRecipients(sql, r);
    // checked again now: a user deactivated or an address removed since the request gets nothing
    const refused = new Set(await notAllowed(sql, r.shop_id, named));
    const recipients = named.filter((e) => !refused.has(e));
    if (recipients.length === 0) return { skipped: 'no recipients' };
    if (!(await takeMailQuota(sql, r.shop_id, recipients.length, deps.quotaPerDay ?? DEFAULT_QUOTA))) {
      // not retried: the report stays downloadable, and `emailed` stays false
      deps.log?.warn({ shopId: r.shop_id, reportId: r.id }, 'report mail not sent: the shop used its daily mail quota');
      return { skipped: 'quota' };
    }
    // a file gone from disk (expired, or another host's disk) fails the attempt here, not mid-send
    await access(r.file_path);
    await deps.mailer.send({
      id: r.id,
      from: deps.from,
      to: recipients,
      subject: `${headerText(r.shop_name, 100)}: ${r.type} report ${r.params.from} – ${r.params.to}`,
      text: `Your ${r.type} report for ${r.params.from} to ${r.params.to} is attached (${r.rows ?? 0} rows, amounts in ${r.currency}).\n\n— Tajir POS`,
      attachments: [{ filename: `${r.type}-${r.params.from}-${r.params.to}.${r.format}`, path: r.file_path }],
      headers: { 'X-Tajir-Report': basename(r.file_path) },
    });
    await markEmailed(sql, r.id);
    return { sent: recipients.length };
  };
}
