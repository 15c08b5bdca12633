/**
 * Issue 12, item 7: every route fuzzed from its own schema (test/support/fuzz-run.ts), a bounded
 * number of cases. `npm run fuzz -- --cases N [--seed S]` runs more, and replays a failure with
 * `--seed S --only I` as the failure message says.
 */
import assert from 'node:assert/strict';
import { env } from './support/env.ts';
import { distinctFailures, type FuzzReport, formatReport } from './support/fuzz-report.ts';
import { runFuzz } from './support/fuzz-run.ts';
import { startOwnTarget, type Target } from './support/fuzz-target.ts';

/** Fixed, so that a red run is red again on the same code; the CLI picks a new seed each run. */
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUZZ_CASES ?? 1500);
/**
 * The target for the service's event-loop delay is 200 ms; `npm run fuzz` fails past it
 * and bench/RESULTS.md records the figure. Here, on a shared two-core machine where a busy
 * process waits its turn for a core for hundreds of milliseconds, only a stall fails the suite
 * (timings are not pass/fail tests): the blocking bugs this finds ran 2.4 s to forever.
 */
const LOOP_STALL_MS = 1000;

describe('fuzz: every route from its own schema', function () {
  this.timeout(240_000);
  let target: (Target & { dropData(): Promise<void> }) | undefined;
  let report: FuzzReport;

  before(async () => {
    const { config } = env();
    // a database of its own: the fuzzed shop's report schedules, recurring expenses and users
    // would otherwise reach the other tests' mailbox and figures
    target = await startOwnTarget({
      database: `${new URL(config.databaseUrl).pathname.slice(1)}_fuzz`,
      baseDatabaseUrl: config.databaseUrl,
      redisUrl: config.redisUrl,
      redisPrefix: `${config.redisPrefix}fuzz:`,
      jwtSecret: config.jwtSecret!,
    });
    report = await runFuzz(target, { cases: CASES, seed: SEED });
    if (process.env.FUZZ_VERBOSE) process.stdout.write(`${formatReport(report)}\n`);
  });

  after(async function () {
    this.timeout(30_000);
    await target?.stop();
    await target?.dropData();
  });

  it('reaches every operation of /openapi.json, and the handler of each (past the token and role checks)', () => {
    assert.equal(report.routes, report.routesTotal);
    // the counter's routes among them: counter customers, PIN sessions (a terminal's only), mail recipients
    assert.deepEqual(report.notPastAuth, []);
  });

  it('answers every case without a 5xx, a slow answer (2 s) or a dropped connection', () => {
    const groups = distinctFailures(report.failures.filter((f) => !f.symptom.startsWith('event-loop')));
    assert.equal(groups.length, 0, `\n${formatReport(report)}`);
  });

  it('keeps the service alive and its event loop unstalled', () => {
    assert.equal(report.restarts, 0, `the service stalled or died ${report.restarts} time(s):\n${formatReport(report)}`);
    assert.ok(report.healthzAtEnd, '/healthz answers at the end');
    assert.ok(report.loopSamples > 0, 'the event-loop gauge was read');
    assert.ok(report.maxLoopDelayMs < LOOP_STALL_MS, `\n${formatReport(report)}`);
  });

  it("keeps the other shop's figures exact (aggregates verify exits 0)", () => {
    assert.ok(report.shopB.bills > 0, "shop B's terminal posted bills during the run");
    assert.equal(report.shopB.failedPosts, 0, `shop B's terminal had ${report.shopB.failedPosts} bill(s) refused`);
    assert.equal(report.shopB.verifyCode, 0, report.shopB.verifyOutput);
  });
});
