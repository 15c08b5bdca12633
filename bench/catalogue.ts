/**
 * Product list and customer search latency on a big shop (issue: foundation).
 *
 *   node --import=tsx bench/catalogue.ts [--customers 100000] [--products 5000] [--requests 2000] [--concurrency 8]
 *
 * Seeds one shop with `customers` customers and `products` products in a fresh database, starts
 * the API in this process (the service's own factories, port 0), and measures each request kind
 * over HTTP, first with one request in flight (the latency a user sees), then with 8 (load,
 * on the same 2 cores as the server, Postgres and Redis).
 */
import { parseArgs } from 'node:util';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { seed } from '../src/domain/seed/seed.ts';
import { startNode } from '../src/node.ts';
import { benchEnv, run, summary } from './support.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    products: { type: 'string', default: '5000' },
    requests: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '1,8' },
  },
});

async function main() {
  const env = await benchEnv('catalogue');
  const { deps } = env;
  try {
    const t0 = Date.now();
    const [shop] = await seed(deps.sql, { shops: 1, customers: Number(values.customers), products: Number(values.products), employees: 10, expenses: 0, bills: 0 });
    await deps.sql`vacuum analyze`;
    await rebuildShop(deps.sql, deps.redis, deps.keys, shop!.id);
    console.log(`seeded ${values.customers} customers and ${values.products} products in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const node = await startNode(deps, { roles: new Set(['api']), port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${node.port}`;
    const login = (await (await fetch(`${base}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: shop!.login, password: 'seed-pass-123' }) })).json()) as { token: string };
    const headers = { authorization: `Bearer ${login.token}` };
    const [someone] = await deps.sql<{ name: string; phone: string }[]>`select name, phone from customers where shop_id = ${shop!.id} offset 4321 limit 1`;
    const kinds: [string, (i: number) => string][] = [
      ['GET /api/products (page 1, 50)', () => '/api/products?per_page=50'],
      ['GET /api/products (page 40)', () => '/api/products?per_page=50&page=40'],
      ['GET /api/products?search=', (i) => `/api/products?search=${['wash', 'kandura', 'premium 7', 'abaya', 'iron'][i % 5]}`],
      ['GET /api/customers (page 1, 50)', () => '/api/customers?per_page=50'],
      ['GET /api/customers?search=<name>', (i) => `/api/customers?search=${encodeURIComponent([someone!.name.split(' ')[0]!, 'mansoori', 'priya', 'fern'][i % 4]!)}`],
      ['GET /api/customers?search=<phone digits>', (i) => `/api/customers?search=${someone!.phone.slice(-6 - (i % 3))}`],
    ];
    const lines: string[] = [];
    for (const concurrency of values.concurrency!.split(',').map(Number))
    for (const [label, path] of kinds) {
      // warm-up
      for (let i = 0; i < 50; i++) await fetch(base + path(i), { headers }).then((r) => r.arrayBuffer());
      const times: number[] = [];
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < Number(values.requests)) {
            const i = next++;
            const t = performance.now();
            const r = await fetch(base + path(i), { headers });
            await r.arrayBuffer();
            if (r.status !== 200) throw new Error(`${label}: ${r.status}`);
            times.push(performance.now() - t);
          }
        }),
      );
      const s = summary(times);
      const rps = (times.length / ((performance.now() - started) / 1000)).toFixed(0);
      lines.push(`| ${label} | ${concurrency} | ${s.p50} | ${s.p95} | ${s.p99} | ${rps} |`);
      console.log(lines.at(-1));
    }
    console.log('\n| request | in flight | p50 ms | p95 ms | p99 ms | req/s |\n|---|---|---|---|---|---|');
    for (const l of lines) console.log(l);
    await node.stop(500);
  } finally {
    await env.cleanup();
  }
}

run(main);
