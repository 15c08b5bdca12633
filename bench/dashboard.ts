/**
 * GET /api/dashboard on a shop with a million bills (issue: billing and exact live aggregates).
 *
 *   node --import=tsx bench/dashboard.ts [--bills 1000000] [--rate 1000] [--seconds 10]
 *
 * Seeds one shop with `bills` bills in a fresh database, rebuilds its aggregates, starts the
 * service (src/main.ts) in a child process, then:
 * 1. sends GET /api/dashboard at a fixed `rate` per second (open loop: a slow answer does not
 *    slow the sender) for `seconds`, and reports latency percentiles;
 * 2. computes the same document with SQL per request (dashboardFromSql, the service's own
 *    fallback) and reports its latency: the ratio is what serving from Redis saves.
 * It also checks that the two documents are equal.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { Agent, get as httpGet } from 'node:http';
import { parseArgs } from 'node:util';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { dashboardFromSql } from '../src/domain/dashboard/read.ts';
import { seed } from '../src/domain/seed/seed.ts';
import { benchEnv, freePort, run, stopProcesses, summary } from './support.ts';

const { values } = parseArgs({
  options: { bills: { type: 'string', default: '1000000' }, rate: { type: 'string', default: '1000' }, seconds: { type: 'string', default: '10' } },
});


async function main() {
  const env = await benchEnv('dashboard');
  const { deps, config } = env;
  let child: ChildProcess | undefined;
  try {
    const t0 = Date.now();
    const [shop] = await seed(deps.sql, {
      shops: 1,
      customers: 20_000,
      products: 200,
      employees: 12,
      expenses: 2000,
      bills: Number(values.bills),
      log: (l) => console.log(l),
    });
    console.log(`seeded ${values.bills} bills in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    await deps.sql`vacuum analyze`;
    const t1 = Date.now();
    await rebuildShop(deps.sql, deps.redis, deps.keys, shop!.id);
    console.log(`aggregates rebuilt from one snapshot in ${((Date.now() - t1) / 1000).toFixed(1)} s`);

    const port = await freePort();
    child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        REDIS_PREFIX: config.redisPrefix,
        PORT: String(port),
        HOST: '127.0.0.1',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'error',
        TOKEN_LIMIT_PER_MINUTE: '10000000',
        JWT_SECRET: config.jwtSecret,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    while (!out.includes('Tajir POS is running')) await new Promise((r) => setTimeout(r, 100));
    const base = `http://127.0.0.1:${port}`;
    const login = (await (await fetch(`${base}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: shop!.login, password: 'seed-pass-123' }) })).json()) as { token: string };
    const headers = { authorization: `Bearer ${login.token}` };
    // keep-alive connections, at most 64: a load generator that opened a connection per request
    // would measure its own connect storm
    const agent = new Agent({ keepAlive: true, maxSockets: 64 });
    const get = () =>
      new Promise<any>((resolve, reject) => {
        const req = httpGet(`${base}/api/dashboard`, { headers, agent }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
            if (res.statusCode !== 200) reject(new Error(`GET /api/dashboard: ${res.statusCode} ${JSON.stringify(body)}`));
            else resolve(body);
          });
        });
        req.on('error', reject);
      });
    for (let i = 0; i < 200; i++) await get();

    const rate = Number(values.rate);
    const total = rate * Number(values.seconds);
    const times: number[] = [];
    const start = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      inflight.push(
        (async () => {
          const t = performance.now();
          await get();
          times.push(performance.now() - t);
        })(),
      );
    }
    await Promise.all(inflight);
    const elapsed = (performance.now() - start) / 1000;
    const redis = summary(times);
    console.log(`Redis-backed GET /api/dashboard at ${rate}/s (achieved ${(total / elapsed).toFixed(0)}/s): ${JSON.stringify(redis)} ms`);

    const sqlTimes: number[] = [];
    let fromSql: unknown;
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      fromSql = await dashboardFromSql(deps.sql, shop!.id, new Date());
      sqlTimes.push(performance.now() - t);
    }
    const sqlS = summary(sqlTimes);
    console.log(`SQL per request (dashboardFromSql, no HTTP): ${JSON.stringify(sqlS)} ms`);
    console.log(`SQL p50 / Redis p50 = ${(sqlS.p50 / redis.p50).toFixed(0)}×; SQL p50 / Redis p95 = ${(sqlS.p50 / redis.p95).toFixed(0)}×`);
    const viaRedis = await get();
    const same = JSON.stringify(viaRedis) === JSON.stringify(JSON.parse(JSON.stringify(fromSql)));
    console.log(`documents equal: ${same}`);
    if (!same) {
      const a = viaRedis as Record<string, unknown>;
      const b = JSON.parse(JSON.stringify(fromSql)) as Record<string, unknown>;
      const differ = Object.keys({ ...a, ...b }).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
      console.log(`parts that differ: ${differ.join(', ')}`);
      for (const k of differ) console.log(`  ${k}: redis ${JSON.stringify(a[k]).slice(0, 300)}\n  ${k}: sql   ${JSON.stringify(b[k]).slice(0, 300)}`);
    }
  } finally {
    await stopProcesses([child]);
    await env.cleanup();
  }
}

run(main);
