/**
 * Job "send-confirmation" {recipientId}: mails an outside address a one-time link that confirms
 * it as a recipient of the shop's reports (API.md "Accounts and sessions"). The token is made
 * here and only its hash is stored (mail/recipients.ts), so the link exists only in this mail.
 * Counts against the shop's daily mail quota: adding addresses cannot be used to send mail
 * to anyone at will either.
 */
import type { Job } from 'bullmq';
import type { Sql } from '../../db/client.ts';
import { issueConfirmation, takeMailQuota } from '../../domain/mail/index.ts';
import type { Logger } from '../../log.ts';
import { headerText } from '../mail/header-text.ts';
import type { Mailer } from '../mail/transport.ts';

export const NAME = 'send-confirmation';
export interface Payload {
  recipientId: number;
}

export function handler(deps: { sql: Sql; mailer: Mailer; from: string; publicUrl: string; quotaPerDay: number; log: Logger }) {
  return async (job: Job<Payload>) => {
    const issued = await issueConfirmation(deps.sql, job.data.recipientId);
    if (!issued) return { skipped: 'nothing to confirm' };
    if (!(await takeMailQuota(deps.sql, issued.shopId, 1, deps.quotaPerDay))) {
      deps.log.warn({ shopId: issued.shopId }, 'confirmation mail not sent: the shop used its daily mail quota');
      return { skipped: 'quota' };
    }
    const link = `${deps.publicUrl}/api/mail-recipients/confirm?token=${encodeURIComponent(issued.token)}`;
    const shop = headerText(issued.shopName, 100);
    await deps.mailer.send({
      id: `confirm-${job.data.recipientId}-${job.id}`,
      from: deps.from,
      to: issued.email,
      subject: `Confirm reports from ${shop}`,
      text:
        `${shop} (a shop using Tajir POS) would like to email reports to this address.\n\n` +
        `To agree, open this link within 72 hours:\n${link}\n\n` +
        'If you did not expect this, ignore this mail: nothing will be sent to you.\n\n— Tajir POS',
    });
    return { sent: 1 };
  };
}
