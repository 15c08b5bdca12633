/**
 * Bill creation throughput and commit → Redis lag (issue: billing and exact live aggregates).
 *
 *   node --import=tsx bench/billing.ts [--seconds 15] [--concurrency 16] [--rate 200] [--keys] [--only MODE]
 *
 * 1. Throughput: the bill transaction (3 lines, one payment, spread over 50 shops) run back to
 *    back by `concurrency` workers for `seconds`, in two modes, interleaved twice:
 *    - full: event row + the trigger's NOTIFY inside the transaction, aggregator running;
 *    - bare: the same transaction with the event row and NOTIFY removed (no aggregator work);
 *    - keyed (with --keys): full, each bill with an Idempotency-Key of its own, as the POS
 *      terminal's outbox sends every sale.
 *    `--only MODE` runs that mode alone in each round, so no mode meets tables another grew.
 *    (A third placement, one coalesced NOTIFY after commit, measured worse on both figures and
 *    was removed: bench/RESULTS.md.)
 *    Each phase also prints the CPU per bill of PostgreSQL's processes (all of this machine's,
 *    from /proc) and of this process (the service's code and the aggregator).
 * 2. Lag: bills at a fixed `rate`/s for `seconds`; for each, the time from its commit to the
 *    moment the aggregator's Lua script applied its event.
 */
import { parseArgs } from 'node:util';
import { createSql } from '../src/db/client.ts';
import type { Principal } from '../src/domain/auth/principal.ts';
import { createBill } from '../src/domain/billing/create.ts';
import type { CreateBillBody } from '../src/domain/billing/schema.ts';
import { provisionShop } from '../src/domain/shops/provision.ts';
import type { CoreDeps } from '../src/deps.ts';
import { createAggregator } from '../src/workers/aggregator.ts';
import { benchEnv, processCpuMs, run, summary } from './support.ts';

/** The node's kept bill inputs, as the route passes them (BILL_INPUTS_CACHE): a warm bill is one round trip. */
const kept = (deps: CoreDeps) => (deps.billInputs ? { inputs: deps.billInputs } : {});

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '15' },
    concurrency: { type: 'string', default: '16' },
    rate: { type: 'string', default: '200' },
    rounds: { type: 'string', default: '2' },
    /** add the keyed mode to each round */
    keys: { type: 'boolean', default: false },
    /** run only this mode in each round (bare, full or keyed), e.g. under a profiler */
    only: { type: 'string' },
  },
});
type Mode = 'full' | 'bare' | 'keyed';
const MODES: readonly Mode[] = ['bare', 'full', 'keyed'];
if (values.only !== undefined && !MODES.includes(values.only as Mode)) {
  console.error(`--only takes bare, full or keyed, not "${values.only}"`);
  process.exit(2);
}
const SECONDS = Number(values.seconds);
const CONCURRENCY = Number(values.concurrency);
const RATE = Number(values.rate);
const SHOPS = 50;

interface Shop {
  principal: Principal;
  products: number[];
  employee: number;
}

async function makeShops(deps: CoreDeps): Promise<Shop[]> {
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

interface Phase {
  rate: number;
  /** ms of CPU per bill: PostgreSQL's processes (undefined without /proc), this process */
  pg?: number;
  node: number;
}

/** Idempotency-Keys, never repeated across phases. */
let keyNo = 0;

async function throughput(deps: CoreDeps, shops: Shop[], mode: Mode): Promise<Phase> {
  const pg0 = processCpuMs('postgres');
  const cpu0 = process.cpuUsage();
  let n = 0;
  let counter = 0;
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const i = counter++;
        const s = shops[i % shops.length]!;
        const key = mode === 'keyed' ? `bench-${process.pid}-${keyNo++}` : undefined;
        await createBill(deps.sql, s.principal, billBody(s, i), { now: new Date(), emitEvent: mode !== 'bare', key, ...kept(deps) });
        n++;
      }
    }),
  );
  const pg1 = processCpuMs('postgres');
  const cpu = process.cpuUsage(cpu0);
  return { rate: n / SECONDS, pg: pg0 === undefined || pg1 === undefined ? undefined : (pg1 - pg0) / n, node: (cpu.user + cpu.system) / 1000 / n };
}

async function lag(deps: CoreDeps, shops: Shop[], applied: Map<string, number>): Promise<ReturnType<typeof summary>> {
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
        const r = await createBill(deps.sql, s.principal, billBody(s, i), { now: new Date(), ...kept(deps) });
        commits.set(`${s.principal.shopId}:${r.seq}`, performance.now());
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
  const env = await benchEnv('billing');
  const { deps, config } = env;
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
    // warm-up: connections, JIT, customers created
    await throughput(deps, shops, 'full');
    const results: Record<Mode, number[]> = { full: [], bare: [], keyed: [] };
    const modes: Mode[] = values.only ? [values.only as Mode] : values.keys ? ['bare', 'full', 'keyed'] : ['bare', 'full'];
    const rounds = Number(values.rounds);
    for (let round = 0; round < rounds; round++) {
      for (const mode of modes) {
        const { rate, pg, node } = await throughput(deps, shops, mode);
        results[mode]!.push(rate);
        await aggregator.idle();
        const cpu = `${pg === undefined ? '' : `PostgreSQL ${pg.toFixed(2)} ms, `}this process ${node.toFixed(2)} ms`;
        console.log(`round ${round + 1} ${mode}: ${rate.toFixed(0)} bills/s; CPU per bill: ${cpu}`);
      }
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const bare = mean(results.bare!);
    if (rounds && !values.only) console.log(`full: ${mean(results.full!).toFixed(0)} bills/s = ${((mean(results.full!) / bare) * 100).toFixed(0)}% of bare (${bare.toFixed(0)} bills/s)`);
    if (rounds && values.keys && !values.only) console.log(`keyed: ${mean(results.keyed).toFixed(0)} bills/s = ${((mean(results.keyed) / mean(results.full)) * 100).toFixed(0)}% of full`);
    const s = await lag(deps, shops, applied);
    console.log(`commit → Redis applied at ${RATE} bills/s: ${JSON.stringify(s)} ms`);
  } finally {
    await aggregator.stop();
    await aggSql.end();
    await env.cleanup();
  }
}

run(main);
