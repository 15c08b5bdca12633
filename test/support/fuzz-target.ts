/**
 * The service under fuzz: src/main.ts as a child process with `npm start`'s node flags, so its
 * own event-loop delay (in /metrics) is not mixed with the fuzzer's, and a stall or a crash can be
 * seen from outside and the service started again on the same port to go on.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSql, withDatabase } from '../../src/db/client.ts';
import { createRedis, deleteRedisPrefix } from './env.ts';

export interface TargetEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  REDIS_PREFIX: string;
  JWT_SECRET: string;
  [name: string]: string;
}

export interface Target {
  url: string;
  /** The environment the service runs with (for `aggregates verify` on the same data). */
  env: TargetEnv;
  /** The last 20 kB the service printed. */
  output(): string;
  alive(): boolean;
  /** Kills the service (SIGKILL: it may be stalled) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** `npm start`'s node flags (package.json), so the fuzzed service runs as deployed. */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--'));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Starts the service and resolves once it says it runs (or rejects with its output). */
export async function startTarget(vars: TargetEnv, timeoutMs = 60_000): Promise<Target> {
  const port = await freePort();
  const env: TargetEnv = {
    HOST: '127.0.0.1',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'warn',
    // the fuzzer is one owner sending thousands of requests: the per-token limit is not under test
    TOKEN_LIMIT_PER_MINUTE: '10000000',
    // nor are the login and signup limits: the fuzzed POST /api/auth/password counts its wrong
    // current passwords against the owner's email, and the run logs in again after a case ends
    // the owner's session; the set-up signs up a few shops from one address
    LOGIN_LIMIT_PER_EMAIL: '100000',
    LOGIN_LIMIT_PER_IP: '100000',
    SIGNUP_LIMIT_PER_IP: '100000',
    SIGNUP_LIMIT_PER_HOUR: '100000',
    ...vars,
    PORT: String(port),
  };
  let child: ChildProcess | undefined;
  let out = '';
  const launch = async () => {
    out = '';
    const c = spawn(process.execPath, [...startFlags(), '--import=tsx', 'src/main.ts'], {
      cwd: new URL('../../', import.meta.url),
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = c;
    const keep = (d: Buffer) => {
      out = (out + d).slice(-20_000);
    };
    c.stdout!.on('data', keep);
    c.stderr!.on('data', keep);
    const deadline = Date.now() + timeoutMs;
    while (!out.includes('Tajir POS is running')) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`the service exited while starting:\n${out}`);
      if (Date.now() > deadline) {
        c.kill('SIGKILL');
        throw new Error(`the service did not start in ${timeoutMs} ms:\n${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const kill = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
      const force = setTimeout(() => c.kill('SIGKILL'), 10_000);
      c.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      c.kill(signal);
    });
  await launch();
  return {
    url: `http://127.0.0.1:${port}`,
    env,
    output: () => out,
    alive: () => Boolean(child && child.exitCode === null && child.signalCode === null),
    async restart() {
      await kill('SIGKILL');
      await launch();
    },
    stop: () => kill('SIGTERM'),
  };
}

/**
 * The service on a database, Redis prefix and report/mail folder of its own (the service creates
 * the database): what it does — report schedules that send mail, recurring expenses, shops by the
 * hundred — never reaches another test's data or mailbox. `dropData` removes all three.
 */
export async function startOwnTarget(opts: {
  /** the database's name */
  database: string;
  baseDatabaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  jwtSecret: string;
  vars?: Record<string, string>;
}): Promise<Target & { dropData(): Promise<void> }> {
  const databaseUrl = withDatabase(opts.baseDatabaseUrl, opts.database);
  const files = await mkdtemp(join(tmpdir(), 'tajir-target-'));
  const target = await startTarget({
    DATABASE_URL: databaseUrl,
    REDIS_URL: opts.redisUrl,
    REDIS_PREFIX: opts.redisPrefix,
    JWT_SECRET: opts.jwtSecret,
    REPORTS_DIR: join(files, 'reports'),
    MAIL_DIR: join(files, 'mail'),
    ...opts.vars,
  });
  return {
    ...target,
    async dropData() {
      const redis = createRedis(opts.redisUrl);
      await deleteRedisPrefix(redis, opts.redisPrefix);
      redis.disconnect();
      const admin = createSql(withDatabase(databaseUrl, 'postgres'), { max: 1 });
      await admin`drop database if exists ${admin(opts.database)} with (force)`;
      await admin.end();
      await rm(files, { recursive: true, force: true });
    },
  };
}

/** `npm run aggregates -- verify --shop N` against the target's data: its exit code and output. */
export function verifyAggregates(target: Target, shopId: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const c = spawn(process.execPath, ['--import=tsx', 'src/cli/aggregates.ts', 'verify', '--shop', String(shopId)], {
      cwd: new URL('../../', import.meta.url),
      env: { ...process.env, ...target.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    c.stdout!.on('data', (d) => (output += d));
    c.stderr!.on('data', (d) => (output += d));
    c.on('close', (code) => resolve({ code, output: output.trim() })); // after the pipes are read
  });
}
