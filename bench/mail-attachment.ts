/**
 * Memory of mailing a large report (issue 12, "Mail: the mail job attaches the file from disk as
 * a stream").
 *
 *   node --import=tsx bench/mail-attachment.ts [--mib 200] [--mode path|buffer]
 *
 * Writes a `mib` MiB CSV-like file, then sends it once through the service's mailer
 * (src/workers/mail/transport.ts) to a local SMTP server that discards what it receives, and
 * prints the process's peak RSS growth over its RSS before the send (sampled every 20 ms).
 * `path` is how the mail job attaches the file now (streamed from disk); `buffer` is the former
 * way (the whole file read into memory first). Run each mode in a process of its own.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { SMTPServer } from 'smtp-server';
import { createLogger } from '../src/log.ts';
import { createMailer } from '../src/workers/mail/transport.ts';
import { run } from './support.ts';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '200' }, mode: { type: 'string', default: 'path' } } });

async function main() {
  const dir = await mkdtemp(`${tmpdir()}/tajir-mail-bench-`);
  const file = `${dir}/report.csv`;
  const out = createWriteStream(file);
  const line = `${'1234567890,'.repeat(9)}Customer name\n`;
  const lines = Math.ceil((Number(values.mib) * 2 ** 20) / line.length);
  for (let i = 0; i < lines; i++) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');

  let received = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    size: 0,
    onData(stream, _session, cb) {
      stream.on('data', (c: Buffer) => {
        received += c.length;
      });
      stream.on('end', () => cb());
    },
  });
  const port: number = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)));
  const mailer = createMailer(`smtp://127.0.0.1:${port}`, dir, createLogger('silent'));

  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t = performance.now();
  const attachment = values.mode === 'buffer' ? { filename: 'report.csv', content: await readFile(file) } : { filename: 'report.csv', path: file };
  await mailer.send({ id: 'bench', from: 'a@bench.tajir', to: 'b@bench.tajir', subject: 'Report', text: 'Attached', attachments: [attachment] });
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  console.log(
    `${values.mode}: ${values.mib} MiB file, ${mib(received)} MiB on the wire in ${((performance.now() - t) / 1000).toFixed(1)} s; RSS before ${mib(before)} MiB, peak growth ${mib(peak - before)} MiB`,
  );
  mailer.close();
  server.close();
  await rm(dir, { recursive: true, force: true });
}

run(main);
