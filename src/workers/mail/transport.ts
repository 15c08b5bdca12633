/**
 * Mail delivery: nodemailer over SMTP when SMTP_URL is set; otherwise every message is written
 * as an .eml file into MAIL_DIR (and the log says where), so a development install "sends" mail
 * without a relay.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Logger } from '../../log.ts';

export interface Mailer {
  send(message: Mail.Options & { id: string }): Promise<{ messageId: string; file?: string }>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, mailDir: string, log: Logger): Mailer {
  if (smtpUrl) {
    const transport = nodemailer.createTransport(smtpUrl);
    return {
      async send(m) {
        const info = await transport.sendMail(m);
        return { messageId: info.messageId };
      },
      close: () => transport.close(),
    };
  }
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async send(m) {
      const info = await transport.sendMail(m);
      await mkdir(mailDir, { recursive: true });
      const file = join(mailDir, `${m.id}.eml`);
      await writeFile(file, info.message as Buffer);
      log.info({ file }, 'SMTP_URL is not set: mail written to a file');
      return { messageId: info.messageId, file };
    },
    close: () => transport.close(),
  };
}
