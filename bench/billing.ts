/**
 * Bill creation throughput and commit → Redis lag (issue: billing and exact live aggregates).
 *
 *   node --import=tsx bench/billing.ts [--seconds 15] [--concurrency 16] [--rate 200]
 *
 * 1. Throughput: the bill transaction (3 lines, one payment, spread over 50 shops) run back to
 *    back by `concurrency` workers for `seconds`, in three modes, interleaved twice:
 *    - full: event row + one coalesced NOTIFY after commit (the default placement), aggregator running;
 *    - in_tx: event row + NOTIFY from the trigger inside the transaction, aggregator running;
 *    - bare: the same transaction with the event row and NOTIFY removed (no aggregator work).
 * 2. Lag: bills at a fixed `rate`/s for `seconds`; for each, the time from its commit to the
 *    moment the aggregator's Lua script applied its event, for both NOTIFY placements.
 */
import { parseArgs } from 'node:util';
import { createDeps } from '../src/app.ts';
import { createSql } from '../src/db/client.ts';
import type { Principal } from '../src/domain/auth/principal.ts';
import { createBill } from '../src/domain/billing/create.ts';
import type { CreateBillBody } from '../src/domain/billing/schema.ts';
import { provisionShop } from '../src/domain/shops/provision.ts';
import { createLogger } from '../src/log.ts';
import type { AppDeps } from '../src/rest/deps.ts';
import { createAggregator } from '../src/workers/aggregator.ts';
import { benchEnv, run, summary } from './support.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
  },
});
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const RATE = Number(values.rate);
const SHOPS = 50;

interface Shop {
  principal: Principal;
  products: number[];
  employee: number;
}

async function makeShops(deps: AppDeps): Promise<Shop[]> {
  const shops: Shop[] = [];
  for (let i = 0; i < SHOPS; i++) {
    shops.push(
      await deps.sql.begin(async (tx) => {
        const shop = await provisionShop(tx, { name: `Bench shop ${i}` });
        const [u] = await tx<{ id: number }[]>`
          insert into users (shop_id, email, password_hash, role) values (${shop.id}, ${`b${i}-${shop.shop_code}@bench.tajir`}, 'x', 'owner') returning id`;
        const [t] = await tx<{ id: number }[]>`insert into product_types (shop_id, name) values (${shop.id}, 'Laundry') returning id`;
        const ps = await tx<{ id: number }[]>`
          insert into products ${tx([12.5, 8, 35].map((r, j) => ({ shop_id: shop.id, type_id: t!.id, name: `Item ${j}`, rate_fils: Math.round(r * 100) })))} returning id`;
        const [e] = await tx<{ id: number }[]>`insert into employees (shop_id, name) values (${shop.id}, 'Master') returning id`;
        return { principal: { kind: 'user', id: u!.id, shopId: shop.id, role: 'owner' }, products: ps.map((p) => p.id), employee: e!.id } as Shop;
      }),
    );
  }
  return shops;
}

function billBody(s: Shop, i: number): CreateBillBody {
  return {
    employee_id: s.employee,
    customer: { phone: `+9715${String(50_000_000 + (i % 5000)).padStart(8, '0')}`, name: `Customer ${i % 5000}` },
    items: s.products.map((product_id, j) => ({ product_id, quantity: 1 + ((i + j) % 3) })),
    payments: [{ amount: 5, method: 'Cash' }],
  };
}

async function throughput(deps: AppDeps, shops: Shop[], mode: 'full' | 'in_tx' | 'bare'): Promise<number> {
  let n = 0;
  let counter = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const i = counter++;
        const s = shops[i % shops.length]!;
        await deps.sql.begin((tx) => createBill(tx, s.principal, billBody(s, i), { emitEvent: mode !== 'bare' }));
        if (mode === 'full') deps.poker.poke(s.principal.shopId);
        n++;
      }
    }),
  );
  return n / SECONDS;
}

async function lag(deps: AppDeps, shops: Shop[], mode: 'full' | 'in_tx', applied: Map<string, number>): Promise<ReturnType<typeof summary>> {
  const commits = new Map<string, number>();
  const total = RATE * SECONDS;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const s = shops[i % shops.length]!;
    inflight.push(
      (async () => {
        const r = await deps.sql.begin((tx) => createBill(tx, s.principal, billBody(s, i)));
        commits.set(`${s.principal.shopId}:${r.seq}`, performance.now());
        if (mode === 'full') deps.poker.poke(s.principal.shopId);
      })(),
    );
  }
  await Promise.all(inflight);
  const deadline = Date.now() + 10_000;
  while ([...commits.keys()].some((k) => !applied.has(k)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  const lags: number[] = [];
  for (const [k, t] of commits) {
    const a = applied.get(k);
    if (a !== undefined) lags.push(Math.max(0, a - t));
  }
  return summary(lags);
}

async function main() {
  const env = await benchEnv('billing', { NOTIFY_MODE: 'after_commit' });
  const { deps, config } = env;
  const inTxDeps = createDeps({ ...config, notifyMode: 'in_transaction' }, createLogger('warn'));
  const applied = new Map<string, number>();
  // the aggregator role gets a pool of its own, as main.ts gives it
  const aggSql = createSql(config.databaseUrl, { max: 4, applicationName: 'tajir-aggregator' });
  const aggregator = createAggregator({
    databaseUrl: config.databaseUrl,
    sql: aggSql,
    redis: deps.redis,
    keys: deps.keys,
    log: deps.log,
    hooks: {
      onApplied: (shopId, events) => {
        const now = performance.now();
        for (const e of events) applied.set(`${shopId}:${e.seq}`, now);
      },
    },
  });
  try {
    const shops = await makeShops(deps);
    await aggregator.start();
    deps.poker.onLocal((shopId) => aggregator.wake(shopId));
    // warm-up: connections, JIT, customers created
    await throughput(deps, shops, 'full');
    const results: Record<string, number[]> = { full: [], in_tx: [], bare: [] };
    const rounds = Number(values.rounds);
    for (let round = 0; round < rounds; round++) {
      for (const mode of ['bare', 'full', 'in_tx'] as const) {
        const rate = await throughput(mode === 'in_tx' ? inTxDeps : deps, shops, mode);
        results[mode]!.push(rate);
        await aggregator.idle();
        console.log(`round ${round + 1} ${mode}: ${rate.toFixed(0)} bills/s`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const bare = mean(results.bare!);
    for (const mode of rounds ? (['full', 'in_tx'] as const) : []) {
      console.log(`${mode}: ${mean(results[mode]!).toFixed(0)} bills/s = ${((mean(results[mode]!) / bare) * 100).toFixed(0)}% of bare (${bare.toFixed(0)} bills/s)`);
    }
    for (const mode of ['full', 'in_tx'] as const) {
      const s = await lag(mode === 'in_tx' ? inTxDeps : deps, shops, mode, applied);
      console.log(`commit → Redis applied at ${RATE} bills/s, ${mode}: ${JSON.stringify(s)} ms`);
    }
  } finally {
    await aggregator.stop();
    await aggSql.end();
    await inTxDeps.sql.end();
    await inTxDeps.poker.close();
    inTxDeps.redis.disconnect();
    await env.cleanup();
  }
}

run(main);
