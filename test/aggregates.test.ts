/**
 * The aggregates stay exact under concurrency and faults: each scenario ends with `verify`
 * clean and every acknowledged bill present.
 */
import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { closeCore, createCore } from '../src/deps.ts';
import { appliedSeq, applyEvents } from '../src/domain/aggregates/apply.ts';
import type { EventRow } from '../src/domain/aggregates/ops.ts';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { createSql } from '../src/db/client.ts';
import { appendEvent } from '../src/domain/events/append.ts';
import { getDashboard } from '../src/domain/dashboard/read.ts';
import { createLogger } from '../src/log.ts';
import { createRedis } from '../src/redis/client.ts';
import { SUFFIX } from '../src/redis/keys.ts';
import { withScripts } from '../src/redis/scripts.ts';
import { type Aggregator, createAggregator } from '../src/workers/aggregator.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
import { get, newShop, post, type ShopSession } from './support/http.ts';
import { startRedisServer } from './support/redis-server.ts';
import { until } from './support/sockets.ts';

interface Fixture {
  shop: ShopSession;
  products: number[];
  employee: number;
}

async function fixture(): Promise<Fixture> {
  const shop = await newShop();
  const products = [await addProduct(shop.shopId, 'Shirt', 12.5), await addProduct(shop.shopId, 'Suit', 95), await addProduct(shop.shopId, 'Curtain', 33.33)];
  return { shop, products, employee: await addEmployee(shop.shopId, 'Master') };
}

/** Runs fn over items with at most `limit` in flight. */
async function pool<T, R>(items: T[], limit: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}

function randomBill(f: Fixture, i: number) {
  return {
    employee_id: i % 4 === 0 ? undefined : f.employee,
    customer: i % 3 === 0 ? undefined : { phone: `+97150${String(1000000 + (i % 40)).slice(0, 7)}`, name: `Customer ${i % 40}`, area: i % 2 ? 'Deira' : 'Al Barsha' },
    items: [
      { product_id: f.products[i % 3]!, quantity: 1 + (i % 3), discount_percent: i % 5 === 0 ? 10 : 0 },
      ...(i % 2 ? [{ product_id: f.products[(i + 1) % 3]!, quantity: 1 }] : []),
    ],
    payments: i % 4 === 1 ? [] : [{ amount: 10, method: i % 2 ? 'Cash' : 'Card' }],
  };
}

/** Posts a bill, retrying connection failures and 5xx with the same Idempotency-Key (as a terminal would). */
async function postBill(token: string, body: unknown, key: string) {
  for (let attempt = 0; ; attempt++) {
    try {
      const r = await post('/api/bills', body, token, { 'idempotency-key': key });
      if (r.status < 500 || attempt > 40) return r;
    } catch (err) {
      if (attempt > 40) throw err;
    }
    await new Promise((r) => setTimeout(r, 100 + attempt * 50));
  }
}

/** Waits until a few of the shop's bills have committed: the fault then strikes mid-stream, not before it. */
async function billsFlowing(shopId: number, n = 5): Promise<void> {
  await until(async () => (await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${shopId}`)[0]!.n >= n, 20_000, 'bills flowing');
}

async function assertExact(shopId: number, acknowledged: number[]) {
  await settled(shopId, 30_000);
  const { sql, redis, deps } = env();
  const v = await verifyShop(sql, redis, deps.keys, shopId);
  assert.equal(v.error, undefined);
  assert.deepEqual(v.differences, []);
  const ids = (await sql<{ id: number }[]>`select id from bills where shop_id = ${shopId}`).map((r) => r.id);
  for (const id of acknowledged) assert.ok(ids.includes(id), `acknowledged bill ${id} missing`);
}

describe('aggregates under concurrency and faults', function () {
  this.timeout(180_000);

  it('300 concurrent bills across 3 shops with payments and cancellations: contiguous numbers, exact figures', async () => {
    const shops = await Promise.all([fixture(), fixture(), fixture()]);
    const results = await pool(Array.from({ length: 300 }, (_, i) => i), 24, async (i) => {
      const f = shops[i % 3]!;
      const bill = await post('/api/bills', randomBill(f, i), f.shop.cashier);
      assert.equal(bill.status, 201, JSON.stringify(bill.body));
      let paid = bill.body.paid as number;
      let status = bill.body.status as string;
      if (i % 5 === 2 && bill.body.balance > 0) {
        const p = await post(`/api/bills/${bill.body.id}/payments`, { amount: bill.body.balance, method: 'Cash' }, f.shop.cashier);
        assert.equal(p.status, 201, JSON.stringify(p.body));
        paid = p.body.paid;
        status = p.body.status;
      }
      if (i % 10 === 7) {
        const c = await post(`/api/bills/${bill.body.id}/cancel`, { reason: 'test' }, f.shop.token);
        assert.equal(c.status, 200);
        status = 'Cancelled';
      }
      return { shop: i % 3, id: bill.body.id, number: bill.body.bill_number as string, total: bill.body.total_amount as number, paid, status };
    });
    for (const [k, f] of shops.entries()) {
      const mine = results.filter((r) => r.shop === k);
      const numbers = mine.map((r) => Number(r.number.slice(-3))).sort((a, b) => a - b);
      assert.deepEqual(numbers, Array.from({ length: 100 }, (_, i) => i + 1), 'bill numbers contiguous and unique');
      await assertExact(f.shop.shopId, mine.map((r) => r.id));
      const live = mine.filter((r) => r.status !== 'Cancelled');
      const cents = (x: number) => Math.round(x * 100);
      const d = (await get('/api/dashboard', f.shop.token)).body;
      assert.equal(cents(d.today.revenue), live.reduce((s, r) => s + cents(r.total), 0));
      assert.equal(d.today.bills, live.length);
      assert.equal(cents(d.today.collected), live.reduce((s, r) => s + cents(r.paid), 0));
      assert.equal(d.open_bills, live.filter((r) => r.status !== 'Paid').length);
      assert.equal(cents(d.outstanding), live.reduce((s, r) => s + cents(r.total) - cents(r.paid), 0));
    }
  });

  it("survives the listener's backend being killed while bills flow", async () => {
    const f = await fixture();
    const flow = pool(Array.from({ length: 80 }, (_, i) => i), 4, (i) => postBill(f.shop.cashier, randomBill(f, i), `kill-${f.shop.shopId}-${i}`));
    await billsFlowing(f.shop.shopId);
    const killed = await env().sql`
      select pg_terminate_backend(pid) from pg_stat_activity
      where application_name = 'tajir-listener' and datname = current_database()`;
    assert.ok(killed.length >= 1, "killed.length >= 1");
    const acks = (await flow).filter((r) => r.status === 201).map((r) => r.body.id as number);
    assert.equal(acks.length, 80);
    await assertExact(f.shop.shopId, acks);
  });

  it('catches up on every listener reconnect, not only in the sweep', async () => {
    // an aggregator of its own, on a Redis of its own, whose sweep would come only after 10 minutes
    const server = await startRedisServer();
    const config = { ...env().config, redisUrl: server.url };
    const deps = createCore(config, createLogger('silent'));
    const agg = createAggregator({ databaseUrl: config.databaseUrl, sql: deps.sql, redis: deps.redis, keys: deps.keys, log: deps.log, sweepMs: 600_000 });
    const quiet = createSql(config.databaseUrl, { max: 1 });
    try {
      const f = await fixture();
      await agg.start(); // the first catch-up builds the shop in this Redis
      const seq = await appliedSeq(deps.redis, deps.keys, f.shop.shopId);
      assert.equal(seq, (await env().sql<{ s: number }[]>`select event_seq as s from shop_counters where shop_id = ${f.shop.shopId}`)[0]!.s);
      // an event no notification announces, as when one is lost while the listener is away
      await quiet.begin(async (tx) => {
        // triggers off in this transaction (the test runs as a superuser): no NOTIFY announces it
        await tx`set local session_replication_role = replica`;
        const [c] = await tx<{ id: number }[]>`insert into customers (shop_id, name, phone) values (${f.shop.shopId}, 'Silent', '+971509990000') returning id`;
        await appendEvent(tx, f.shop.shopId, 'customer_created', c!.id, { customer_id: c!.id });
      });
      // a marker that comes later: another shop's event, announced, applied by this aggregator;
      // by then it would have applied the silent one too, had anything announced it
      const marker = await fixture();
      await post('/api/bills', randomBill(marker, 1), marker.shop.cashier);
      const [m] = await env().sql<{ s: number }[]>`select event_seq as s from shop_counters where shop_id = ${marker.shop.shopId}`;
      await until(async () => (await appliedSeq(deps.redis, deps.keys, marker.shop.shopId)) === m!.s, 10_000, 'the marker applied');
      assert.equal(await appliedSeq(deps.redis, deps.keys, f.shop.shopId), seq, 'nothing applied it yet');
      const killed = await env().sql`
        select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'tajir-listener' and datname = current_database()`;
      assert.ok(killed.length >= 1, "killed.length >= 1");
      await until(async () => (await appliedSeq(deps.redis, deps.keys, f.shop.shopId)) === seq! + 1, 10_000, 'the catch-up after the reconnect');
      const v = await verifyShop(deps.sql, deps.redis, deps.keys, f.shop.shopId);
      assert.deepEqual([v.error, v.differences], [undefined, []]);
    } finally {
      await agg.stop();
      await quiet.end();
      await closeCore(deps);
      server.stop();
    }
  });

  it('applies events that notifications carried while a run was busy, without reading them back from Postgres', async () => {
    // an aggregator of its own on a Redis of its own (paused below), whose event reads are counted
    const server = await startRedisServer();
    const config = { ...env().config, redisUrl: server.url };
    const deps = createCore(config, createLogger('silent'));
    const reads: string[] = [];
    const counted = createSql(config.databaseUrl, { max: 4, debug: (q) => /from events/.test(q) && reads.push(q) });
    const applied: number[] = [];
    const agg = createAggregator({
      databaseUrl: config.databaseUrl,
      sql: counted,
      redis: deps.redis,
      keys: deps.keys,
      log: deps.log,
      sweepMs: 600_000,
      hooks: { onApplied: (shopId, evs) => shopId === f.shop.shopId && applied.push(...evs.map((e) => e.seq)) },
    });
    const admin = createRedis(server.url);
    let f!: Fixture;
    try {
      f = await fixture();
      await agg.start();
      const start = (await appliedSeq(deps.redis, deps.keys, f.shop.shopId))!;
      reads.length = 0;
      // Redis holds every write for 400 ms: the first bill's run waits in its apply, and the next
      // four bills' notifications arrive while it is busy
      await admin.call('CLIENT', 'PAUSE', '400', 'WRITE');
      const acks = [];
      for (let i = 0; i < 5; i++) {
        const r = await post('/api/bills', randomBill(f, i), f.shop.cashier);
        assert.equal(r.status, 201, JSON.stringify(r.body));
        acks.push(r.body.id as number);
      }
      await until(async () => (await appliedSeq(deps.redis, deps.keys, f.shop.shopId)) === start + 5, 10_000, 'the five events applied');
      assert.deepEqual(applied, [start + 1, start + 2, start + 3, start + 4, start + 5], 'each event once, in order');
      assert.equal(reads.length, 0, `events read back from Postgres: ${reads.length}`);
      const v = await verifyShop(deps.sql, deps.redis, deps.keys, f.shop.shopId);
      assert.deepEqual([v.error, v.differences], [undefined, []]);
    } finally {
      await admin.call('CLIENT', 'UNPAUSE').catch(() => {});
      admin.disconnect();
      await agg.stop();
      await counted.end();
      await closeCore(deps);
      server.stop();
    }
  });

  it('applies the same events twice as a no-op', async () => {
    const f = await fixture();
    for (let i = 0; i < 5; i++) await post('/api/bills', randomBill(f, i), f.shop.cashier);
    await settled(f.shop.shopId);
    const { sql, redis, deps } = env();
    const events = await sql<EventRow[]>`select seq, kind, entity_id, payload from events where shop_id = ${f.shop.shopId} order by seq`;
    const again = await applyEvents(redis, deps.keys, f.shop.shopId, events);
    assert.equal(again.applied, 0);
    assert.equal(again.status, 'ok');
    const v = await verifyShop(sql, redis, deps.keys, f.shop.shopId);
    assert.deepEqual(v.differences, []);
  });

  it('refuses a batch that skips an event (gap) and applies none of it', async () => {
    const f = await fixture();
    for (let i = 0; i < 3; i++) await post('/api/bills', randomBill(f, i), f.shop.cashier);
    const seq = await settled(f.shop.shopId);
    const { sql, redis, deps } = env();
    const [last] = await sql<EventRow[]>`select seq, kind, entity_id, payload from events where shop_id = ${f.shop.shopId} and seq = ${seq}`;
    const r = await applyEvents(redis, deps.keys, f.shop.shopId, [{ ...last!, seq: seq + 2 }]);
    assert.deepEqual([r.status, r.applied, r.seq], ['gap', 0, seq]);
    const v = await verifyShop(sql, redis, deps.keys, f.shop.shopId);
    assert.deepEqual([v.seq, v.differences], [seq, []]);
  });

  it('while a rebuild holds a shop, the dashboard and loyalty reads come from SQL and agree', async () => {
    const f = await fixture();
    for (let i = 0; i < 4; i++) {
      await post('/api/bills', { ...randomBill(f, i), customer: { phone: '0509991234', name: 'Regular' } }, f.shop.cashier);
    }
    await settled(f.shop.shopId);
    const { redis, deps } = env();
    const customer = (await get('/api/customers?search=0509991234', f.shop.cashier)).body.items[0].id;
    const dashboard = (await get('/api/dashboard', f.shop.token)).body;
    const account = (await get(`/api/loyalty/customers/${customer}`, f.shop.cashier)).body;
    // another process's rebuild claim, as begin-rebuild.lua leaves it: no seq, and ours is refused
    const meta = deps.keys.agg(f.shop.shopId).meta;
    await redis.hdel(meta, 'seq');
    await redis.hset(meta, 'rebuilding', 'elsewhere', 'rebuild_started', String(Date.now()));
    try {
      await redis.hset(deps.keys.agg(f.shop.shopId).full(SUFFIX.loy), String(customer), '{"available_points":1}'); // must not be read
      await env().aggregator.catchUpAll(); // a sweep passes (and waits for what it woke) and cannot rebuild
      assert.equal(await redis.hget(meta, 'seq'), null);
      assert.deepEqual((await get(`/api/loyalty/customers/${customer}`, f.shop.cashier)).body, account);
      assert.deepEqual((await get('/api/dashboard', f.shop.token)).body, dashboard);
    } finally {
      await redis.hdel(meta, 'rebuilding', 'rebuild_started');
    }
    await settled(f.shop.shopId); // the claim is gone: the sweep rebuilds
    const v = await verifyShop(env().sql, redis, deps.keys, f.shop.shopId);
    assert.deepEqual([v.error, v.differences], [undefined, []]);
  });

  it('a rebuild whose claim timed out after Redis ran it releases the claim: the next rebuild need not wait a minute', async () => {
    const server = await startRedisServer();
    const plain = withScripts(createRedis(server.url));
    // the service's own client answers within 1 s or fails; 50 ms here, and Redis paused longer
    const hasty = withScripts(createRedis(server.url, { commandTimeoutMs: 50 }));
    try {
      const f = await fixture();
      await post('/api/bills', randomBill(f, 0), f.shop.cashier);
      const { sql, deps } = env();
      const meta = deps.keys.agg(f.shop.shopId).meta;
      // every client waits 400 ms: the claim runs after that, long after its caller gave up on it
      await plain.call('CLIENT', 'PAUSE', '400', 'ALL');
      await assert.rejects(rebuildShop(sql, hasty, deps.keys, f.shop.shopId), /timed out/);
      // answered in order on one connection: once a PING is, so are the claim and its release
      await until(() => hasty.ping().then(() => true, () => false), 10_000, 'the pause over');
      assert.equal(await plain.hget(meta, 'rebuilding'), null, 'the claim released');
      assert.equal((await rebuildShop(sql, plain, deps.keys, f.shop.shopId)).status, 'rebuilt');
      const v = await verifyShop(sql, plain, deps.keys, f.shop.shopId);
      assert.deepEqual([v.error, v.differences], [undefined, []]);
    } finally {
      plain.disconnect();
      hasty.disconnect();
      server.stop();
    }
  });

  it('rebuilds a shop whose Redis is ahead of Postgres (a restored database)', async () => {
    const f = await fixture();
    for (let i = 0; i < 3; i++) await post('/api/bills', randomBill(f, i), f.shop.cashier);
    const seq = await settled(f.shop.shopId);
    const { sql, redis, deps } = env();
    const meta = deps.keys.agg(f.shop.shopId).meta;
    await redis.hset(meta, 'seq', String(seq + 5)); // figures of events Postgres no longer has
    await redis.hincrby(deps.keys.agg(f.shop.shopId).full(SUFFIX.tot), 'open', 7);
    await until(async () => Number(await redis.hget(meta, 'seq')) === seq, 10_000, 'the rebuild back to Postgres');
    const v = await verifyShop(sql, redis, deps.keys, f.shop.shopId);
    assert.deepEqual([v.error, v.differences], [undefined, []]);
  });

  it('npm run aggregates: verify names a corrupted figure and exits 1; rebuild repairs it', async function () {
    this.timeout(60_000);
    const f = await fixture();
    const bill = await post('/api/bills', randomBill(f, 1), f.shop.cashier);
    assert.equal(bill.status, 201);
    await settled(f.shop.shopId);
    const { redis, deps, config } = env();
    const day = deps.keys.agg(f.shop.shopId).full(SUFFIX.day(bill.body.bill_date));
    const rev = Number(await redis.hget(day, 'rev'));
    await redis.hincrby(day, 'rev', 1); // one fils too many
    const cli = (command: string) => {
      const r = spawnSync(process.execPath, ['--import=tsx', 'src/cli/aggregates.ts', command, '--shop', String(f.shop.shopId)], {
        env: { ...process.env, DATABASE_URL: config.databaseUrl, REDIS_URL: config.redisUrl, REDIS_PREFIX: config.redisPrefix, JWT_SECRET: config.jwtSecret },
        encoding: 'utf8',
      });
      return { code: r.status, out: r.stdout + r.stderr };
    };
    const bad = cli('verify');
    assert.equal(bad.code, 1, bad.out);
    assert.ok(bad.out.includes(`${day.slice(day.lastIndexOf(':d:') + 1)} rev: redis=${rev + 1} sql=${rev}`), bad.out);
    const fix = cli('rebuild');
    assert.equal(fix.code, 0, fix.out);
    assert.match(fix.out, new RegExp(`shop ${f.shop.shopId}: rebuilt at seq \\d+`));
    const good = cli('verify');
    assert.equal(good.code, 0, good.out);
    assert.match(good.out, /: ok at seq/);
  });

  it('two aggregators at once apply each event exactly once', async () => {
    const { config, sql, redis, deps } = env();
    const seen = new Map<string, number>();
    const count = (shopId: number, evs: EventRow[]) => {
      for (const e of evs) seen.set(`${shopId}:${e.seq}`, (seen.get(`${shopId}:${e.seq}`) ?? 0) + 1);
    };
    const extra: Aggregator[] = [1, 2].map(() =>
      createAggregator({ databaseUrl: config.databaseUrl, sql, redis, keys: deps.keys, log: deps.log, sweepMs: 100, hooks: { onApplied: count } }),
    );
    await Promise.all(extra.map((a) => a.start()));
    try {
      const f = await fixture();
      const results = await pool(Array.from({ length: 60 }, (_, i) => i), 6, (i) => post('/api/bills', randomBill(f, i), f.shop.cashier));
      const acks = results.filter((r) => r.status === 201).map((r) => r.body.id as number);
      assert.equal(acks.length, 60);
      await assertExact(f.shop.shopId, acks);
      for (const [k, n] of seen) if (k.startsWith(`${f.shop.shopId}:`)) assert.equal(n, 1, `event ${k} applied ${n} times`);
    } finally {
      await Promise.all(extra.map((a) => a.stop()));
    }
  });

  it('rebuilds after Redis FLUSHALL mid-stream (on a Redis of its own)', async () => {
    const server = await startRedisServer();
    const config = { ...env().config, redisUrl: server.url };
    const deps = createCore(config, createLogger('silent'));
    const agg = createAggregator({ databaseUrl: config.databaseUrl, sql: deps.sql, redis: deps.redis, keys: deps.keys, log: deps.log, sweepMs: 100 });
    await agg.start();
    try {
      const f = await fixture();
      const flow = pool(Array.from({ length: 60 }, (_, i) => i), 4, (i) => post('/api/bills', randomBill(f, i), f.shop.cashier));
      await billsFlowing(f.shop.shopId);
      await deps.redis.flushall();
      const acks = (await flow).filter((r) => r.status === 201).map((r) => r.body.id as number);
      assert.equal(acks.length, 60, 'a Redis loss refuses no bill');
      const stored = (await deps.sql<{ id: number }[]>`select id from bills where shop_id = ${f.shop.shopId}`).map((r) => r.id);
      for (const id of acks) assert.ok(stored.includes(id), `acknowledged bill ${id} missing`);
      const deadline = Date.now() + 20_000;
      let v = await verifyShop(deps.sql, deps.redis, deps.keys, f.shop.shopId, { waitMs: 20_000 });
      while (v.error && Date.now() < deadline) v = await verifyShop(deps.sql, deps.redis, deps.keys, f.shop.shopId);
      assert.equal(v.error, undefined);
      assert.deepEqual(v.differences, []);
      // and a loss after the last event, when no event will come to reveal it: the sweep does
      await deps.redis.flushall();
      v = await verifyShop(deps.sql, deps.redis, deps.keys, f.shop.shopId, { waitMs: 10_000 });
      assert.deepEqual([v.error, v.differences], [undefined, []]);
      const d = await getDashboard(deps, f.shop.shopId);
      assert.ok(d.today.bills > 0, "d.today.bills > 0");
    } finally {
      await agg.stop();
      await closeCore(deps);
      server.stop();
    }
  });

  it('loses no acknowledged bill when Postgres restarts while bills flow', async function () {
    const cluster = existsSync('/etc/postgresql') ? execSync('ls /etc/postgresql').toString().trim().split('\n')[0] : undefined;
    if (!cluster || process.getuid?.() !== 0) this.skip();
    const f = await fixture();
    const flow = pool(Array.from({ length: 60 }, (_, i) => i), 3, async (i) => {
      await new Promise((r) => setTimeout(r, i * 20));
      return postBill(f.shop.cashier, randomBill(f, i), `restart-${f.shop.shopId}-${i}`);
    });
    await billsFlowing(f.shop.shopId);
    execSync(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main restart`, { stdio: 'ignore' });
    const acks = (await flow).filter((r) => r.status === 201).map((r) => r.body.id as number);
    assert.equal(acks.length, 60);
    await assertExact(f.shop.shopId, acks);
  });
});
