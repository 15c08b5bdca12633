/**
 * The command-line tools as a person runs them (spawned like `npm run …` runs them): `--help`,
 * usage errors (exit 2 with the usage), and progress on stderr when it is not a terminal (plain
 * lines; the bar drawn in a terminal is cli-progress's).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { withDatabase } from '../src/db/client.ts';
import { deleteRedisPrefix, dropDatabase, env, runId } from './support/env.ts';
import { freePort } from './support/redis-server.ts';

const ROOT = new URL('../', import.meta.url);

/** The tools, as package.json's scripts run them. */
const TOOLS = {
  start: 'src/main.ts',
  migrate: 'src/cli/migrate.ts',
  seed: 'src/cli/seed.ts',
  aggregates: 'src/cli/aggregates.ts',
  fuzz: 'bench/fuzz.ts',
} as const;
const usageLine = (tool: keyof typeof TOOLS) => (tool === 'start' ? 'usage: npm start' : `usage: npm run ${tool}`);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTool(tool: keyof typeof TOOLS, args: string[], vars: Record<string, string> = {}): Promise<Run> {
  return run(process.execPath, ['--import=tsx', TOOLS[tool], ...args], vars);
}

/** Spawned without blocking: this process also serves the test environment's API. */
function run(command: string, args: string[], vars: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...vars },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    // 'close', not 'exit': at 'exit' the pipes may still hold output not yet read (Node's docs),
    // and a tool that exits at once (a usage error) was seen with its stderr still unread
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('command-line tools', function () {
  this.timeout(120_000);

  for (const tool of Object.keys(TOOLS) as (keyof typeof TOOLS)[]) {
    it(`${tool}: --help prints the usage and exits 0; an unknown option exits 2 with the usage`, async () => {
      const [help, short, unknown] = await Promise.all([runTool(tool, ['--help']), runTool(tool, ['-h']), runTool(tool, ['--no-such-option'])]);
      assert.equal(help.code, 0, help.stderr);
      assert.ok(help.stdout.startsWith(usageLine(tool)), help.stdout);
      assert.match(help.stdout, /exit status: 0 /);
      assert.equal(help.stderr, '');
      assert.equal(short.stdout, help.stdout);
      assert.equal(unknown.code, 2, unknown.stderr);
      assert.equal(unknown.stdout, '');
      assert.match(unknown.stderr, new RegExp(`^tajir ${tool}: Unknown option '--no-such-option'`));
      assert.ok(unknown.stderr.includes(help.stdout.trim()), 'the usage follows the error');
    });
  }

  it('a malformed value or a missing command exits 2 naming it, before touching anything', async () => {
    const cases: [keyof typeof TOOLS, string[], RegExp][] = [
      ['seed', ['--shops', 'many'], /--shops must be a whole number/],
      ['seed', ['--bills', '-3'], /--bills/],
      ['seed', ['stray'], /Unexpected argument 'stray'/],
      ['aggregates', [], /say rebuild or verify/],
      ['aggregates', ['repair'], /unknown command "repair"/],
      ['aggregates', ['verify', '--shop', '0'], /--shop must be a whole number of at least 1/],
      ['aggregates', ['verify', 'extra'], /unexpected argument "extra"/],
      ['fuzz', ['--cases'], /--cases/],
      ['fuzz', ['--only', '3,x'], /--only takes case indexes/],
      ['migrate', ['now'], /Unexpected argument 'now'/],
      ['start', ['--port', '3000'], /Unknown option '--port'/],
    ];
    // an unreachable database: a tool that went past its arguments would fail differently
    const vars = { DATABASE_URL: `postgres://127.0.0.1:${await freePort()}/nowhere` };
    const runs = await Promise.all(cases.map(([tool, args]) => runTool(tool, args, vars)));
    runs.forEach((r, i) => {
      const [tool, args, why] = cases[i]!;
      assert.equal(r.code, 2, `${tool} ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, why);
      assert.ok(r.stderr.includes(usageLine(tool)), r.stderr);
    });
  });

  it('migrate exits 2 with one line when PostgreSQL does not answer', async () => {
    const r = await runTool('migrate', [], { DATABASE_URL: `postgres://127.0.0.1:${await freePort()}/nowhere` });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^tajir migrate: PostgreSQL is not answering/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('seed, then aggregates rebuild and verify over several shops, print plain progress lines on stderr and results on stdout, and a bar in a terminal', async () => {
    const { config } = env();
    const vars = {
      DATABASE_URL: withDatabase(config.databaseUrl, `tajir_test_${runId()}_cli`),
      REDIS_URL: config.redisUrl,
      REDIS_PREFIX: `${config.redisPrefix}cli:`,
      JWT_SECRET: config.jwtSecret ?? '',
    };
    try {
      const seeded = await runTool('seed', ['--shops', '2', '--bills', '30', '--customers', '5', '--products', '3', '--expenses', '2'], vars);
      assert.equal(seeded.code, 0, seeded.stderr);
      assert.match(seeded.stdout, /seeded 2 shop\(s\)/);
      assert.match(seeded.stderr, /^seed: 0\/60 bills \(0%\)/m, 'a line at the start');
      assert.match(seeded.stderr, /^seed: 60\/60 bills done in \d+\.\d s$/m, 'a closing line');
      assert.ok(!seeded.stderr.includes('\x1b['), 'no terminal control codes when stderr is not a terminal');
      assert.ok(!seeded.stdout.includes('bills (') && !seeded.stdout.includes('\x1b['), 'no progress on stdout');

      const rebuilt = await runTool('aggregates', ['rebuild'], vars);
      assert.equal(rebuilt.code, 0, rebuilt.stderr);
      assert.equal(rebuilt.stdout.match(/^shop \d+: rebuilt at seq \d+$/gm)?.length, 2, rebuilt.stdout);
      assert.match(rebuilt.stderr, /^rebuild: 0\/2 shops/m);
      assert.match(rebuilt.stderr, /^rebuild: 2\/2 shops done in/m);

      const verified = await runTool('aggregates', ['verify'], vars);
      assert.equal(verified.code, 0, verified.stdout + verified.stderr);
      assert.equal(verified.stdout.match(/^shop \d+: ok at seq \d+$/gm)?.length, 2, verified.stdout);
      assert.match(verified.stderr, /^verify: 2\/2 shops done in/m);

      // one shop: no progress at all, only its line
      const shopId = /^shop (\d+):/m.exec(verified.stdout)![1]!;
      const one = await runTool('aggregates', ['verify', '--shop', shopId], vars);
      assert.equal(one.code, 0, one.stderr);
      assert.equal(one.stdout.trim(), `shop ${shopId}: ok at seq ${/^shop \d+: ok at seq (\d+)$/m.exec(verified.stdout)![1]}`);
      assert.equal(one.stderr, '');

      // in a terminal (util-linux `script` gives it one): a bar rewritten in place, the shop lines above it
      const inTerminal = await run('script', ['-qec', `${process.execPath} --import=tsx ${TOOLS.aggregates} verify`, '/dev/null'], { ...vars, COLUMNS: '120' }).catch(
        () => undefined, // no `script` here
      );
      if (inTerminal) {
        assert.equal(inTerminal.code, 0, inTerminal.stdout);
        assert.match(inTerminal.stdout, /verify \[[█░]+\] 100% \| 2\/2 shops/, 'the bar');
        assert.ok(inTerminal.stdout.includes('\x1b['), 'drawn with terminal control codes');
        assert.equal(inTerminal.stdout.match(/shop \d+: ok at seq \d+/g)?.length, 2);
        assert.match(inTerminal.stdout, /verify: 2\/2 shops done in/);
        assert.doesNotMatch(inTerminal.stdout, /^verify: 0\/2 shops \(0%\)/m, 'no plain lines in a terminal');
      }
    } finally {
      await dropDatabase(vars.DATABASE_URL);
      await deleteRedisPrefix(env().redis, vars.REDIS_PREFIX);
    }
  });
});
