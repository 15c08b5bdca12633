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
import { parseArgs } from 'node:util';
import { formatReport } from '../test/support/fuzz-report.ts';
import { runFuzz } from '../test/support/fuzz-run.ts';
import { startOwnTarget } from '../test/support/fuzz-target.ts';
import { run } from './support.ts';

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '2000' },
    seed: { type: 'string' },
    only: { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    'bills-per-second': { type: 'string', default: '4' },
    /** keep the database and Redis keys after the run (to look at shop A's state) */
    keep: { type: 'boolean', default: false },
  },
});

run(async () => {
  const seed = values.seed ? Number(values.seed) : randomInt(1, 2 ** 31 - 1);
  const only = values.only?.split(',').map(Number);
  const cases = Math.max(Number(values.cases), ...(only ?? []).map((i) => i + 1));
  const target = await startOwnTarget({
    database: `tajir_fuzz_${process.pid}`,
    baseDatabaseUrl: process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres',
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `tajirfuzz:${process.pid}:`,
    jwtSecret: 'fuzz-secret-fuzz-secret-fuzz-secret-0000',
  });
  let failed = true;
  try {
    const report = await runFuzz(target, {
      cases,
      seed,
      only,
      concurrency: Number(values.concurrency),
      billsPerSecond: Number(values['bills-per-second']),
      log: (line) => console.log(line),
    });
    console.log(formatReport(report));
    failed = report.failures.length > 0 || !report.healthzAtEnd || report.shopB.verifyCode !== 0 || report.maxLoopDelayMs >= 200;
  } finally {
    await target.stop();
    if (!values.keep) await target.dropData();
  }
  if (failed) throw new Error('the fuzz run failed (see above)');
});
