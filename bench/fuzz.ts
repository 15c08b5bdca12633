/**
 * The route fuzzer (issue 12, item 7) at any size:
 *
 *   npm run fuzz -- [--cases 2000] [--seed N] [--only I,J] [--concurrency 1] [--bills-per-second 4]
 *
 * Starts the service (src/main.ts, `npm start`'s flags) on a database and Redis prefix of its own,
 * runs test/support/fuzz-run.ts (the same run test/fuzz.test.ts makes, with more cases), prints
 * the figures and every distinct failure with the command that replays it, drops its data, and
 * exits 1 when the run failed. `--only` replays given case indexes of a seed.
 */
import { randomInt } from 'node:crypto';
import { parseCommand, usageError, wholeNumber } from '../src/cli/args.ts';
import type { Progress } from '../src/cli/progress.ts';

const COMMAND = {
  name: 'fuzz',
  usage: `
usage: npm run fuzz -- [--cases N] [--seed N] [--only I,J,...] [--concurrency N]
                       [--bills-per-second N] [--keep]

Starts the service on a database and Redis prefix of its own, sends every route requests generated
from its own schemas (and hostile values) as one shop's owner while another shop posts bills, and
fails on a 5xx, an answer slower than 2 s, a stall, an event-loop delay over 200 ms or a difference
in the other shop's aggregates. Each failure is printed with the --seed and --only that replay it.

options:
  --cases N             requests to generate (default 2000)
  --seed N              random seed (default: a new one, printed)
  --only I,J,...        replay only these case indexes of the seed
  --concurrency N       requests in flight at once (default 1)
  --bills-per-second N  the other shop's bill rate (default 4)
  --keep                keep the database and Redis keys after the run
  -h, --help            this text

environment: DATABASE_URL (the server; the run makes its own database), REDIS_URL

exit status: 0 the run passed; 1 it failed (see the report); 2 bad usage`,
};

const { values } = parseCommand(COMMAND, {
  cases: { type: 'string' },
  seed: { type: 'string' },
  only: { type: 'string' },
  concurrency: { type: 'string' },
  'bills-per-second': { type: 'string' },
  /** keep the database and Redis keys after the run (to look at shop A's state) */
  keep: { type: 'boolean', default: false },
});
const options = {
  cases: wholeNumber(COMMAND, 'cases', values.cases, 2000, { min: 1, max: 10_000_000 }),
  seed: wholeNumber(COMMAND, 'seed', values.seed, randomInt(1, 2 ** 31 - 1), { min: 1, max: 2 ** 31 - 1 }),
  concurrency: wholeNumber(COMMAND, 'concurrency', values.concurrency, 1, { min: 1, max: 256 }),
  billsPerSecond: wholeNumber(COMMAND, 'bills-per-second', values['bills-per-second'], 4, { max: 1000 }),
};
if (values.only !== undefined && !/^\d{1,9}(,\d{1,9})*$/.test(values.only)) usageError(COMMAND, `--only takes case indexes separated by commas, got "${values.only}"`);

// The run's modules (the schema faker, the service's own) load only once the arguments are good,
// so --help and a usage error answer at once.
const [{ formatReport }, { runFuzz }, { startOwnTarget }, { startProgress }, { run }] = await Promise.all([
  import('../test/support/fuzz-report.ts'),
  import('../test/support/fuzz-run.ts'),
  import('../test/support/fuzz-target.ts'),
  import('../src/cli/progress.ts'),
  import('./support.ts'),
]);

run(async () => {
  const seed = options.seed;
  const only = values.only?.split(',').map(Number);
  const cases = Math.max(options.cases, ...(only ?? []).map((i) => i + 1));
  const target = await startOwnTarget({
    database: `tajir_fuzz_${process.pid}`,
    baseDatabaseUrl: process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `tajirfuzz:${process.pid}:`,
    jwtSecret: 'fuzz-secret-fuzz-secret-fuzz-secret-0000',
  });
  // In a terminal a bar counts the cases (stderr); elsewhere the run's own line every 250 cases does.
  let bar: Progress | undefined;
  const say = (line: string) => (bar ? bar.line(line) : console.log(line));
  let failed = true;
  try {
    const report = await runFuzz(target, {
      cases,
      seed,
      only,
      concurrency: options.concurrency,
      billsPerSecond: options.billsPerSecond,
      log: (line) => {
        if (!(bar && /^fuzz: \d+\/\d+ cases/.test(line))) say(line);
      },
      progress: process.stderr.isTTY
        ? (done, total) => {
            bar ??= startProgress('fuzz', total, { unit: 'cases' });
            bar.update(done);
          }
        : undefined,
    });
    bar?.stop();
    bar = undefined;
    console.log(formatReport(report));
    failed = report.failures.length > 0 || !report.healthzAtEnd || report.shopB.verifyCode !== 0 || report.maxLoopDelayMs >= 200;
  } finally {
    bar?.stop();
    await target.stop();
    if (!values.keep) await target.dropData();
  }
  if (failed) throw new Error('the fuzz run failed (see above)');
});
