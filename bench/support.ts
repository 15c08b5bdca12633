/**
 * Shared set-up for benchmarks: a fresh database and Redis prefix of their own (dropped after),
 * built with the same factories as the service. Benchmarks print their figures and never fail on
 * timings; bench/RESULTS.md records them with the command that produced them.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { setPriority } from 'node:os';
import { closeCore, createCore } from '../src/deps.ts';
import { type Config, loadConfig } from '../src/config.ts';
import { createSql, type Sql, withDatabase } from '../src/db/client.ts';
import { ensureDatabase, migrate } from '../src/db/migrate.ts';
import { createLogger } from '../src/log.ts';
import type { CoreDeps } from '../src/deps.ts';
import { deleteRedisPrefix, dropDatabase } from '../test/support/env.ts';

export interface BenchEnv {
  config: Readonly<Config>;
  deps: CoreDeps;
  cleanup(): Promise<void>;
}

export async function benchEnv(name: string, overrides: Record<string, string> = {}): Promise<BenchEnv> {
  const run = `${name}_${randomBytes(3).toString('hex')}`;
  const base = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';
  const config = loadConfig({
    DATABASE_URL: withDatabase(base, `tajir_bench_${run}`),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    REDIS_PREFIX: `tajirbench:${run}:`,
    LOG_LEVEL: 'warn',
    JWT_SECRET: 'bench-secret-bench-secret-bench-secret-00',
    TOKEN_LIMIT_PER_MINUTE: '10000000',
    // benches sign up many shops from one address (signup shares the login's per-IP budget)
    LOGIN_LIMIT_PER_IP: '100000',
    SIGNUP_LIMIT_PER_IP: '100000',
    SIGNUP_LIMIT_PER_HOUR: '100000',
    DB_POOL_SIZE: '20',
    // A/B of the node's kept bill inputs (bench/RESULTS.md, issue 20)
    ...(process.env.BILL_INPUTS_CACHE ? { BILL_INPUTS_CACHE: process.env.BILL_INPUTS_CACHE } : {}),
    ...overrides,
  });
  await ensureDatabase(config.databaseUrl);
  const m = createSql(config.databaseUrl, { max: 1 });
  await migrate(m);
  await m.end();
  const deps = createCore(config, createLogger(config.logLevel));
  return {
    config,
    deps,
    async cleanup() {
      await deleteRedisPrefix(deps.redis, config.redisPrefix);
      await closeCore(deps);
      await dropDatabase(config.databaseUrl);
    },
  };
}

/**
 * The node flags of `npm start` (package.json, between `node` and the entry point): a bench that
 * starts the service starts it as deployed, and follows the script when it changes.
 */
export function startFlags(): string[] {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((a) => a.startsWith('--'));
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] as number;
}

export function summary(ms: number[]): { n: number; p50: number; p95: number; p99: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 100) / 100;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), p99: r(percentile(s, 99)), max: r(s[s.length - 1] ?? Number.NaN) };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

/** Runs a benchmark's main and exits with its outcome (benchmarks hold pools and sockets open). */
export function run(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

/** A benchmark shop: its owner's token, one product, and managers enough for its share of sockets. */
export interface BenchShop {
  token: string;
  shopId: number;
  product: number;
  managers: string[];
}

/**
 * Signs up `count` shops through the API, each with one product (written with SQL) and enough
 * manager users for `socketsPerShop` sockets, since a user may hold 20 (DOMAIN.md "Bounds").
 * `tag` keeps the emails of two benchmarks apart.
 */
export async function benchShops(
  post: (path: string, body: unknown, token?: string) => Promise<any>,
  admin: Sql,
  opts: { count: number; socketsPerShop: number; tag: string },
): Promise<BenchShop[]> {
  const shops: BenchShop[] = [];
  const managersPerShop = Math.ceil(opts.socketsPerShop / 20);
  for (let i = 0; i < opts.count; i++) {
    const s = await post('/api/auth/signup', { shop_name: `${opts.tag} ${i}`, email: `${opts.tag}${i}-${process.pid}@bench.tajir`, password: 'bench-pass-1' });
    const [t] = await admin<{ id: number }[]>`insert into product_types (shop_id, name) values (${s.shop.id}, 'Service') returning id`;
    const [p] = await admin<{ id: number }[]>`insert into products (shop_id, type_id, name, rate_fils) values (${s.shop.id}, ${t!.id}, 'Wash', 1500) returning id`;
    const managers: string[] = [];
    for (let m = 0; m < managersPerShop; m++) {
      const email = `${opts.tag}${i}-m${m}-${process.pid}@bench.tajir`;
      await post('/api/users', { email, password: 'bench-pass-1', name: `Manager ${m}`, role: 'manager' }, s.token);
      managers.push((await post('/api/auth/login', { email, password: 'bench-pass-1' })).token);
    }
    shops.push({ token: s.token, shopId: s.shop.id, product: p!.id, managers });
  }
  return shops;
}

/** The token of socket `i` of `n` spread over the shops: round-robin over shops, then over each shop's managers. */
export function socketToken(shops: BenchShop[], i: number): string {
  const shop = shops[i % shops.length]!;
  return shop.managers[Math.floor(i / shops.length) % shop.managers.length]!;
}

/**
 * Stops the service processes a bench started and resolves once they are gone (SIGTERM, SIGKILL
 * after 5 s), so the run's database and Redis keys are deleted after their last write: a server
 * still closing thousands of sockets used to write BullMQ scheduler keys after the delete.
 */
export function stopProcesses(children: readonly (ChildProcess | undefined)[]): Promise<void> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
          const force = setTimeout(() => child.kill('SIGKILL'), 5000);
          child.once('exit', () => {
            clearTimeout(force);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  ).then(() => undefined);
}

/**
 * CPU time (ms, user + system) used so far by every process of this machine whose command is
 * `comm` (`postgres`: the server's backends and helpers), read from /proc. The difference of two
 * readings is what those processes spent in between, apart from any that exited meanwhile (a
 * bench's pooled connections stay open). Undefined where there is no /proc.
 */
export function processCpuMs(comm: string): number | undefined {
  let dirs: string[];
  try {
    dirs = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return undefined;
  }
  const tick = 1000 / 100; // USER_HZ is 100 on Linux
  let ms = 0;
  for (const pid of dirs) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (stat.slice(stat.indexOf('(') + 1, close) !== comm) continue;
      const fields = stat.slice(close + 2).split(' ');
      ms += (Number(fields[11]) + Number(fields[12])) * tick; // utime, stime (fields 14 and 15 of stat)
    } catch {
      // the process exited while we read
    }
  }
  return ms;
}

/**
 * "Commit → socket" as issue 20 names it, the same way for the service and the raw stack. A bill's
 * created_at is not its commit: in the raw stack it is the insert's transaction start (now()), a
 * fraction of a millisecond before the commit, but in the service it is the time of sale, taken
 * when the request is handled, before the plan, the wait for a pooled connection and the write
 * itself; so receipt − created_at counts the service's whole request up to its commit, and the
 * raw stack's almost nothing of it. Here a deferred trigger stamps each new row of `table` with
 * clock_timestamp() as the transaction commits (deferred triggers run last before the commit
 * record and its flush), into an unlogged table of the bench's own database: PostgreSQL's clock
 * and the clients' Date.now() are the same clock of this machine. It adds a small insert to each
 * bill of either program.
 */
export async function stampCommits(sql: { unsafe(query: string): PromiseLike<unknown> }, table: 'bills' | 'raw_bills'): Promise<void> {
  await sql.unsafe(`
    create unlogged table bench_commit_at (id bigint not null, at_ms double precision not null);
    create function bench_commit_at() returns trigger language plpgsql as $$
    begin insert into bench_commit_at values (new.id, extract(epoch from clock_timestamp()) * 1000); return null; end $$;
    create constraint trigger bench_commit_at after insert on ${table} deferrable initially deferred
      for each row execute function bench_commit_at();`);
}

/** Each receipt's delay after its bill's commit (ms), from the clients' [bill id, Date.now()] pairs; receipts of bills with no stamp are left out. */
export async function commitToReceipt(sql: { unsafe(query: string): PromiseLike<unknown> }, receivedAt: number[][]): Promise<number[]> {
  const rows = (await sql.unsafe('select id::float8 as id, at_ms from bench_commit_at')) as { id: number; at_ms: number }[];
  const at = new Map(rows.map((r) => [r.id, r.at_ms]));
  const out: number[] = [];
  for (const pairs of receivedAt) {
    for (let i = 0; i < pairs.length; i += 2) {
      const c = at.get(pairs[i]!);
      if (c !== undefined) out.push(pairs[i + 1]! - c);
    }
  }
  return out;
}

/** A process of socket clients (bench/realtime-clients.ts); it leaves when the bench does. */
export function forkClients(): ChildProcess {
  return fork(new URL('./realtime-clients.ts', import.meta.url), [], { execArgv: ['--import=tsx'], stdio: 'inherit' });
}

/** What a clients process answers to 'report' (bench/realtime-clients.ts): everything since it started, the loop delay since the last report. */
export interface ClientsReport {
  latencies: number[];
  /** [bill id, Date.now() at receipt] pairs, flat */
  receivedAt: number[];
  receipts: [number, number][];
  updates: number;
  updateBytes: number;
  billBytes: number;
  sampleUpdate: string;
  backwards: number;
  gaps: number;
  cpu: NodeJS.CpuUsage;
  loop: { p50: number; p99: number; max: number };
}

/** Sends a clients process a message and resolves with its answer (one question at a time). */
export function askChild<T>(child: ChildProcess, msg: unknown): Promise<T> {
  return new Promise<T>((resolve) => {
    child.once('message', (m) => resolve(m as T));
    child.send(msg as never);
  });
}

/** Nice value of the probe's process: scheduled before the service, and too light to slow it. */
const PROBE_NICE = -10;

export interface Probe {
  /** How the probe was scheduled, for the report's label. */
  nice: number;
  /** Starts the measured phase: the probe's event-loop delay is counted from here. */
  mark(): Promise<void>;
  /** The probe's receipts as [bill id, Date.now()] pairs, and its own event-loop delay since mark(). */
  report(): Promise<ClientsReport>;
  close(): void;
}

/**
 * The probe of `--probe` (bench/realtime.ts and bench/raw-stack.ts, issue 20): one manager
 * socket per shop (`tokens`, one each), in a process of its own at nice −10. The 5,000 measured
 * sockets share two processes at nice 19 that, on a two-core machine, wait for a free core behind
 * the server and PostgreSQL, so their receipts carry the harness's own wait; the probe's 50
 * sockets cost a few per cent of a core and run as soon as a frame arrives, as a manager's
 * browser on a machine of its own would. Its receipts are reported apart and never counted in
 * lost/duplicated. Where raising the priority is not allowed, it runs at the bench's own.
 */
export async function startProbe(url: string, tokens: string[]): Promise<Probe> {
  const child = forkClients();
  let nice = PROBE_NICE;
  try {
    setPriority(child.pid!, PROBE_NICE);
  } catch {
    nice = 0; // not root: the bench's own priority
  }
  const opened = await askChild<{ connected: number; failed: number }>(child, { url, tokens });
  if (opened.failed) throw new Error(`probe: ${opened.failed} of ${tokens.length} sockets refused`);
  return {
    nice,
    mark: () => askChild(child, 'report').then(() => {}),
    report: () => askChild(child, 'report'),
    close: () => child.send('close'),
  };
}

/** The probe's line: commit → receipt at its sockets, beside the measured sockets' own. */
export async function probeReport(admin: { unsafe(query: string): PromiseLike<unknown> }, probe: Probe): Promise<string> {
  const r = await probe.report();
  const fromCommit = summary(await commitToReceipt(admin, [r.receivedAt]));
  return `commit → bill:created receipt at the probe (one socket per shop, nice ${probe.nice}) (ms): ${JSON.stringify(fromCommit)}; its event-loop delay p50/p99/max ${r.loop.p50.toFixed(1)}/${r.loop.p99.toFixed(1)}/${r.loop.max.toFixed(0)} ms`;
}
