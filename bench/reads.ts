/**
 * The busiest reads at full tilt (issue 20, item 5): GET /api/products, /api/customers and
 * /api/bills on a shop of 5,000 products, 100,000 customers and 20,000 bills, served by one
 * service process (every role, as `npm start` runs it), driven by wrk with 16 connections.
 *
 *   node --import=tsx bench/reads.ts [--products 5000] [--customers 100000] [--bills 20000]
 *     [--seconds 10] [--connections 16] [--cache-mb 64] [--writes 0]
 *
 * `--cache-mb 0` runs the same with the read cache off (the before). `--writes N` posts N bills a
 * second (each for an existing customer) beside every read run, so the bills' and customers'
 * versions keep moving and their lists miss once per bill, as in a shop that is selling. wrk is Debian's package
 * (`apt-get install wrk`): a C load generator, so the two cores go to the service, Postgres and
 * Redis rather than to the generator. Each row also gives the machine's busy share during its run.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { rebuildShop } from '../src/domain/aggregates/index.ts';
import { seed } from '../src/domain/seed/seed.ts';
import { benchEnv, freePort, run, stopProcesses } from './support.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '5000' },
    customers: { type: 'string', default: '100000' },
    bills: { type: 'string', default: '20000' },
    seconds: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    'cache-mb': { type: 'string', default: '64' },
    writes: { type: 'string', default: '0' },
  },
});

function busyTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function wrk(url: string, token: string, seconds: number, connections: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-H', `Authorization: Bearer ${token}`, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.on('error', () => reject(new Error('wrk is not installed: apt-get install wrk')));
    p.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`wrk exited ${code}: ${out}`))));
  });
}

/** wrk's latency in ms for a line such as "     99%   12.34ms". */
function wrkMs(out: string, pct: string): number {
  const m = new RegExp(`^\\s*${pct}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
  if (!m) return Number.NaN;
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 's' ? v * 1000 : v;
}

async function main() {
  const env = await benchEnv('reads');
  const { deps, config } = env;
  let server: ReturnType<typeof spawn> | undefined;
  process.on('exit', () => server?.kill('SIGKILL'));
  try {
    const t0 = Date.now();
    const [shop] = await seed(deps.sql, {
      shops: 1,
      customers: Number(values.customers),
      products: Number(values.products),
      employees: 10,
      expenses: 0,
      bills: Number(values.bills),
    });
    await deps.sql`vacuum analyze`;
    await rebuildShop(deps.sql, deps.redis, deps.keys, shop!.id);
    console.log(`seeded ${values.products} products, ${values.customers} customers, ${values.bills} bills in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

    const port = await freePort();
    server = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: config.databaseUrl,
        REDIS_URL: config.redisUrl,
        REDIS_PREFIX: config.redisPrefix,
        JWT_SECRET: config.jwtSecret,
        PORT: String(port),
        HOST: '127.0.0.1',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'error',
        TOKEN_LIMIT_PER_MINUTE: '10000000',
        LOGIN_LIMIT_PER_IP: '100000',
        READ_CACHE_MB: values['cache-mb']!,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    server.stdout!.on('data', (d) => (out = (out + d).slice(-20_000)));
    while (!out.includes('Tajir POS is running')) {
      if (server.exitCode !== null) throw new Error(`service exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const base = `http://127.0.0.1:${port}`;
    const login = (await (await fetch(`${base}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: shop!.login, password: 'seed-pass-123' }) })).json()) as { token: string };

    const kinds: [string, string][] = [
      ['GET /api/products (page 1 of 50)', '/api/products?per_page=50'],
      ['GET /api/customers (page 1 of 50)', '/api/customers?per_page=50'],
      ['GET /api/bills (page 1 of 50)', '/api/bills?per_page=50'],
    ];
    const [product] = await deps.sql<{ id: number }[]>`select id from products where shop_id = ${shop!.id} and active and deleted_at is null limit 1`;
    const customerIds = (await deps.sql<{ id: number }[]>`select id from customers where shop_id = ${shop!.id} and deleted_at is null limit 1000`).map((r) => r.id);
    /** Posts `--writes` bills a second until stopped; resolves with how many were acknowledged. */
    const sell = (): { stop(): Promise<number> } => {
      const rate = Number(values.writes);
      let done = 0;
      let failed = 0;
      const inflight = new Set<Promise<void>>();
      const timer = rate > 0
        ? setInterval(() => {
            const body = JSON.stringify({ customer: { id: customerIds[done % customerIds.length] }, items: [{ product_id: product!.id, quantity: 1 }] });
            const p = fetch(`${base}/api/bills`, { method: 'POST', headers: { authorization: `Bearer ${login.token}`, 'content-type': 'application/json' }, body })
              .then((r) => (r.status === 201 ? done++ : failed++))
              .catch(() => failed++)
              .then(() => void inflight.delete(p));
            inflight.add(p);
          }, 1000 / rate)
        : undefined;
      return {
        async stop() {
          clearInterval(timer);
          await Promise.all(inflight);
          if (failed) console.log(`${failed} bills failed`);
          return done;
        },
      };
    };
    const seconds = Number(values.seconds);
    const connections = Number(values.connections);
    const rows: string[] = [];
    for (const [label, path] of kinds) {
      await wrk(base + path, login.token, 2, connections); // warm-up: JIT, pools, the first miss
      const a = busyTicks();
      const writer = sell();
      const text = await wrk(base + path, login.token, seconds, connections);
      const sold = await writer.stop();
      const b = busyTicks();
      const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN);
      const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? '0';
      const busy = (100 * (b.busy - a.busy)) / (b.total - a.total);
      rows.push(`| ${label} | ${sold} | ${rps.toFixed(0)} | ${wrkMs(text, '50')} | ${wrkMs(text, '90')} | ${wrkMs(text, '99')} | ${non2xx} | ${busy.toFixed(0)}% |`);
      console.log(rows.at(-1));
    }
    console.log(`\nREAD_CACHE_MB=${values['cache-mb']}, --writes ${values.writes}, wrk -t1 -c${connections} -d${seconds}s, one service process (every role)`);
    console.log('| request | bills sold meanwhile | req/s | p50 ms | p90 ms | p99 ms | non-2xx | machine busy |\n|---|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    await stopProcesses([server]);
    await env.cleanup();
  }
}

run(main);
