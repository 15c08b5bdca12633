/**
 * Mail delivery: nodemailer over SMTP when SMTP_URL is set; otherwise every message is written
 * as an .eml file into MAIL_DIR (and the log says where), so a development install "sends" mail
 * without a relay. Either way the message is streamed (attachments given by `path` are read from
 * disk as they are sent), never built whole in memory.
 *
 * nodemailer is loaded on the first message, not at start: most processes (an API-only node, a
 * worker that never mails) never send one, and every start and restart paid for it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Logger } from '../../log.ts';

export interface Mailer {
  send(message: Mail.Options & { id: string }): Promise<{ messageId: string; file?: string }>;
  close(): void;
}

export function createMailer(smtpUrl: string | undefined, mailDir: string, log: Logger): Mailer {
  let made: Transporter | undefined;
  let making: Promise<Transporter> | undefined;
  const transport = () =>
    (making ??= import('nodemailer').then(({ default: nodemailer }) => {
      made = smtpUrl ? nodemailer.createTransport(smtpUrl) : nodemailer.createTransport({ streamTransport: true, newline: 'unix' });
      return made;
    }));
  return {
    async send(m) {
      const info = await (await transport()).sendMail(m);
      if (smtpUrl) return { messageId: info.messageId };
      // the stream transport hands the message back unread: it is written out here
      await mkdir(mailDir, { recursive: true });
      const file = join(mailDir, `${m.id}.eml`);
      await pipeline(info.message as Readable, createWriteStream(file));
      log.info({ file }, 'SMTP_URL is not set: mail written to a file');
      return { messageId: info.messageId, file };
    },
    close: () => made?.close(),
  };
}
