/**
 * Reports over a million bills (issue: background workers).
 *
 *   node --import=tsx bench/reports.ts [--bills 1000000]
 *
 * Seeds one shop with `bills` bills, starts an API process (ROLES=api) and a worker process
 * (ROLES=worker), then builds the invoice report over every bill as CSV and as XLSX, one after
 * the other, and reports for each: the build time (report_jobs.created_at → finished_at), the
 * rows, the file size, and the worker's peak memory growth (VmRSS sampled every 100 ms from
 * /proc, against its idle RSS). While each report runs, POST /api/reports is called 10 times a
 * second and its latency reported.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { seed } from '../src/domain/seed/seed.ts';
import { benchEnv, freePort, run, summary } from './support.ts';

const { values } = parseArgs({ options: { bills: { type: 'string', default: '1000000' } } });


async function rssMiB(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(text)?.[1] ?? 0) / 1024;
}

async function main() {
  const env = await benchEnv('reports');
  const { deps, config } = env;
  const children: ChildProcess[] = [];
  try {
    const t0 = Date.now();
    const [shop] = await seed(deps.sql, { shops: 1, customers: 20_000, products: 200, employees: 12, expenses: 0, bills: Number(values.bills) });
    console.log(`seeded ${values.bills} bills in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await deps.sql`vacuum analyze`;
    const port = await freePort();
    const common = {
      ...process.env,
      DATABASE_URL: config.databaseUrl,
      REDIS_PREFIX: config.redisPrefix,
      JWT_SECRET: config.jwtSecret,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'error',
      TOKEN_LIMIT_PER_MINUTE: '10000000',
      REPORTS_DIR: `var/bench-reports-${process.pid}`,
      MAIL_DIR: `var/bench-mail-${process.pid}`,
    };
    const start = (roles: string, p: number) => {
      const c = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], { env: { ...common, ROLES: roles, PORT: String(p), HOST: '127.0.0.1' }, stdio: ['ignore', 'pipe', 'inherit'] });
      children.push(c);
      return new Promise<ChildProcess>((resolve) => {
        let out = '';
        c.stdout!.on('data', (d) => {
          out += d;
          if (out.includes('Tajir POS is running')) resolve(c);
        });
      });
    };
    await start('api', port);
    const worker = await start('worker', 0);
    const base = `http://127.0.0.1:${port}`;
    const login = (await (await fetch(`${base}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: shop!.login, password: 'seed-pass-123' }) })).json()) as { token: string };
    const headers = { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' };
    const [range] = await deps.sql<{ from: string; to: string }[]>`select min(bill_date)::text as from, max(bill_date)::text as to from bills`;
    await new Promise((r) => setTimeout(r, 2000));

    for (const format of ['csv', 'xlsx'] as const) {
      const idle = await rssMiB(worker.pid!);
      let peak = idle;
      const sampler = setInterval(async () => {
        peak = Math.max(peak, await rssMiB(worker.pid!).catch(() => 0));
      }, 100);
      const res = await fetch(`${base}/api/reports`, { method: 'POST', headers, body: JSON.stringify({ type: 'invoices', from: range!.from, to: range!.to, format }) });
      const { id } = (await res.json()) as { id: string };
      const latencies: number[] = [];
      let done = false;
      const prober = (async () => {
        while (!done) {
          const t = performance.now();
          const r = await fetch(`${base}/api/reports`, { method: 'POST', headers, body: JSON.stringify({ type: 'vat', from: range!.to, to: range!.to, format: 'csv' }) });
          await r.arrayBuffer();
          latencies.push(performance.now() - t);
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      let row: { status: string; rows: number; seconds: number; file_path: string } | undefined;
      for (;;) {
        [row] = await deps.sql<{ status: string; rows: number; seconds: number; file_path: string }[]>`
          select status, rows, extract(epoch from finished_at - created_at)::float8 as seconds, file_path from report_jobs where id = ${id}`;
        if (row!.status === 'done' || row!.status === 'failed') break;
        await new Promise((r) => setTimeout(r, 250));
      }
      done = true;
      await prober;
      clearInterval(sampler);
      const size = row!.file_path ? (await stat(row!.file_path)).size : 0;
      console.log(
        `${format}: ${row!.status}, ${row!.rows} rows in ${row!.seconds.toFixed(1)} s, ${(size / 2 ** 20).toFixed(0)} MiB; worker RSS idle ${idle.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB (growth ${(peak - idle).toFixed(0)} MiB); POST /api/reports meanwhile: ${JSON.stringify(summary(latencies))} ms`,
      );
    }
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await env.cleanup();
  }
}

run(main);
