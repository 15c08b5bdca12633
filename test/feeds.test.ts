/**
 * Live feeds that miss nothing (issue: faults cost nothing):
 * - with several aggregators, `prev_seq` names the shop's previous update whoever sent it, so a
 *   client that follows API.md re-syncs only after a real gap (it once did on ~80% of updates);
 * - every acknowledged bill reaches the push path once, also when it lands while the shop is
 *   rebuilt after Redis came back empty (such bills once never produced `bill:created`), and when
 *   the process that applied it never heard back from Redis (a command timed out after Redis ran
 *   it: the sweep sends it, from the shop's "fed" watermark), and when Redis came back empty to an
 *   aggregator that remembers nothing (the watermark's copy in Postgres, migration 0048);
 * - a backlog (an outage's events, a long hole) reaches the feed with its newest events only, the
 *   rest marked sent (log.ts FEED_BACKLOG): once a rebuild, a hole and an outage's catch-up handed
 *   on its oldest 5,000, or all of it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { closeCore, createCore } from '../src/deps.ts';
import { applyEvents } from '../src/domain/aggregates/apply.ts';
import { recordFeedMarks } from '../src/domain/aggregates/log.ts';
import { catchUpShop } from '../src/domain/aggregates/catch-up.ts';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { appendEvent, appendEvents } from '../src/domain/events/append.ts';
import type { EventRow } from '../src/domain/aggregates/ops.ts';
import type { BillCreatedPayload } from '../src/domain/events/payloads.ts';
import { createLogger } from '../src/log.ts';
import { createIo } from '../src/realtime/io.ts';
import { createPublisher } from '../src/realtime/publisher.ts';
import { createRedis } from '../src/redis/client.ts';
import type { Keys } from '../src/redis/keys.ts';
import { type ScriptedRedis, withScripts } from '../src/redis/scripts.ts';
import { createAggregator } from '../src/workers/aggregator.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { newShop, post } from './support/http.ts';
import { freePort, startRedisServer } from './support/redis-server.ts';
import { startOwnService } from './support/service.ts';
import { closeAllSockets, connect, record, sync, until } from './support/sockets.ts';

/** A redis-server of the test's own that can be killed and started again, empty, on its port. */
async function ownRedis() {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    const { Redis } = await import('ioredis');
    const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => {});
    await until(
      () =>
        probe.connect().then(
          () => true,
          () => false,
        ),
      10_000,
      'redis-server up',
    );
    probe.disconnect();
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    kill: () => child?.kill('SIGKILL'),
  };
}

/**
 * An aggregator on `redis` whose push path is a list of the bills it was handed, marked sent in the
 * shop's "fed" watermark as the realtime publisher marks what it sends (publisher.ts): the sweep
 * fills a hole in that watermark, so a test that leaves it out tests less than the service does.
 */
function recordingAggregator(redis: ScriptedRedis, keys: Keys, opts: { feedTakeoverMs?: number; feedBacklog?: number } = {}) {
  const { sql, config, deps } = env();
  const pushed: number[] = [];
  /** The seq of every event sent, bill or not. */
  const seqs: number[] = [];
  const agg = createAggregator({
    databaseUrl: config.databaseUrl,
    sql,
    redis,
    keys,
    log: deps.log,
    sweepMs: 100,
    feedTakeoverMs: opts.feedTakeoverMs ?? 1000,
    ...(opts.feedBacklog === undefined ? {} : { feedBacklog: opts.feedBacklog }),
    hooks: {
      onApplied(shopId: number, events: EventRow[], quietThrough?: number) {
        for (const e of events) {
          if (quietThrough !== undefined && e.seq <= quietThrough) continue;
          seqs.push(e.seq);
          if (e.kind === 'bill_created') pushed.push((e.payload as BillCreatedPayload).bill_id);
        }
        void redis.markFed(keys.agg(shopId).meta, keys.feed(shopId), ...events.map((e) => String(e.seq))).catch(() => {});
      },
    },
  });
  return { agg, pushed, seqs };
}

type OwnRedis = Awaited<ReturnType<typeof ownRedis>>;

/** `body` with a redis-server of the test's own and a scripted client on it, both gone after. */
async function onOwnRedis(body: (client: ScriptedRedis, redis: OwnRedis) => Promise<void>): Promise<void> {
  const redis = await ownRedis();
  const client = withScripts(createRedis(redis.url));
  try {
    await body(client, redis);
  } finally {
    client.disconnect();
    redis.kill();
  }
}

/** `body` while a recording aggregator (recordingAggregator) runs on `redis`; stopped after. */
async function whileAggregating<T>(
  redis: ScriptedRedis,
  opts: Parameters<typeof recordingAggregator>[2],
  body: (feed: { pushed: number[]; seqs: number[] }) => Promise<T>,
): Promise<T> {
  const { agg, pushed, seqs } = recordingAggregator(redis, env().deps.keys, opts);
  await agg.start();
  try {
    return await body({ pushed, seqs });
  } finally {
    await agg.stop();
  }
}

/** `n` customers added by plain SQL, with their events and no NOTIFY: a backlog no aggregator heard of. Their last seq. */
async function silentCustomers(shopId: number, n: number): Promise<number> {
  return env().sql.begin(async (tx) => {
    await tx`set local session_replication_role = replica`;
    const rows = await tx<{ id: number }[]>`
      insert into customers (shop_id, name, phone)
      select ${shopId}, 'Backlog ' || i, '+9715' || lpad(i::text, 8, '0') from generate_series(1, ${n}) i
      returning id`;
    await appendEvents(
      tx,
      shopId,
      'customer_created',
      rows.map((r) => ({ entity_id: r.id, payload: { customer_id: r.id } })),
    );
    const [c] = await tx<{ event_seq: number }[]>`select event_seq from shop_counters where shop_id = ${shopId}`;
    return c!.event_seq;
  });
}

/**
 * Waits until the aggregator has built the new shop in its own Redis. Signup builds it in the
 * service's Redis (auth.ts), so the first bill is applied and pushed like any other; in a test's
 * own Redis nothing does until the sweep finds the shop, and a bill that came first would be
 * folded into that first rebuild, unpushed, as it would in the service had signup's build failed.
 */
async function builtIn(redis: ScriptedRedis, keys: Keys, shopId: number): Promise<void> {
  await until(async () => (await redis.hget(keys.agg(shopId).meta, 'seq')) !== null, 60_000, 'the new shop built in this Redis');
}

/** A bill of one line at the shop's counter; its id. */
async function billIn(s: { shopId: number; cashier: string }, product: number, quantity = 1): Promise<number> {
  return (await post('/api/bills', { items: [{ product_id: product, quantity }] }, s.cashier)).body.id as number;
}

/** The shop's live-feed mark as the sweeps copied it to Postgres (migration 0048); -1 when none. */
async function feedMark(shopId: number): Promise<number> {
  const [row] = await env().sql<{ fed_seq: string }[]>`select fed_seq from feed_marks where shop_id = ${shopId}`;
  return row ? Number(row.fed_seq) : -1;
}

/** Each of `ids` in `pushed` exactly once. */
function onceEach(pushed: number[], ids: number[]): boolean {
  return ids.every((id) => pushed.filter((p) => p === id).length === 1);
}

describe('live feeds', function () {
  this.timeout(120_000);
  afterEach(() => closeAllSockets());

  // Its aggregator's Redis comes back empty for every shop of the run (dozens by now), and all of
  // them need a rebuild at once. That burst once left claims behind (a claim command that timed out
  // after Redis ran it), so this shop waited out the stale-claim minute, sometimes twice: rebuilds
  // now release a claim they cannot finish, and the aggregator runs two at a time.
  it('every acknowledged bill reaches the push path exactly once when Redis dies and comes back empty mid-stream', async () => {
    const redis = await ownRedis();
    const config = { ...env().config, redisUrl: redis.url };
    const deps = createCore(config, createLogger('silent'));
    // The service's own client, with its 1 s command timeout: in the burst of rebuilds after the
    // restart a command can time out after Redis ran it, and the feed must not lose that event.
    const { agg, pushed } = recordingAggregator(deps.redis, deps.keys);
    await agg.start();
    try {
      const s = await newShop();
      await builtIn(deps.redis, deps.keys, s.shopId);
      const product = await addProduct(s.shopId, 'Press', 12);
      const acked: number[] = [];
      let stop = false;
      const flow = (async () => {
        for (let i = 0; !stop && i < 400; i++) {
          const r = await post('/api/bills', { items: [{ product_id: product, quantity: 1 + (i % 3) }] }, s.cashier);
          if (r.status === 201) acked.push(r.body.id);
          await new Promise((res) => setTimeout(res, 15));
        }
      })();
      await until(() => acked.length >= 10, 20_000, 'bills flowing');
      redis.kill();
      await new Promise((r) => setTimeout(r, 300));
      await redis.start(); // empty: the shop's state is gone, the aggregator rebuilds it
      await until(() => acked.length >= 40, 30_000, 'bills after the restart');
      stop = true;
      await flow;
      const mine = new Set(acked);
      // This aggregator's Redis is empty for every shop the run has made so far, so after the
      // restart it rebuilds all of them, not only this test's: in a full run that is hundreds of
      // shops through a pool of 4, and this shop's turn can take tens of seconds.
      // on a timeout, say where the shop stood: its state in this aggregator's Redis (seq, a rebuild claim) and Postgres's seq
      const standing = async () => {
        const missing = acked.filter((id) => !pushed.includes(id));
        const meta = await deps.redis.hgetall(deps.keys.agg(s.shopId).meta).catch((err: Error) => ({ error: err.message }));
        return `every bill pushed: ${missing.length} of ${acked.length} missing (bills ${missing[0]}…${missing.at(-1)}); Redis meta ${JSON.stringify(meta)}; Postgres seq ${(await deps.sql<{ event_seq: number }[]>`select event_seq from shop_counters where shop_id = ${s.shopId}`)[0]?.event_seq}`;
      };
      await until(() => acked.every((id) => pushed.includes(id)), 90_000, standing);
      const ours = pushed.filter((id) => mine.has(id));
      assert.equal(ours.length, new Set(ours).size, 'no bill pushed twice');
    } finally {
      await agg.stop();
      await closeCore(deps);
      redis.kill();
    }
  });

  it('a bill whose apply timed out after Redis ran it reaches the push path once: the sweep sends it', async () => {
    const server = await startRedisServer();
    const plain = withScripts(createRedis(server.url));
    // the service's client gives up after 1 s; 300 ms here, and Redis paused for longer
    const hasty = withScripts(createRedis(server.url, { commandTimeoutMs: 300 }));
    const { deps } = env();
    const { agg, pushed } = recordingAggregator(hasty, deps.keys, { feedTakeoverMs: 500 });
    await agg.start();
    try {
      const s = await newShop();
      await builtIn(plain, deps.keys, s.shopId);
      const product = await addProduct(s.shopId, 'Hem', 15);
      const bill = () => billIn(s, product);
      const first = await bill();
      await until(() => pushed.includes(first), 60_000, 'the first bill pushed');
      // every command waits 1.5 s: the second bill's apply runs after its caller gave up on it
      await plain.call('CLIENT', 'PAUSE', '1500', 'ALL');
      const second = await bill();
      await until(() => hasty.ping().then(() => true, () => false), 10_000, 'the pause over');
      const meta = deps.keys.agg(s.shopId).meta;
      const seqOfSecond = await settled(s.shopId);
      await until(async () => Number(await plain.hget(meta, 'seq')) >= seqOfSecond, 10_000, 'the second bill applied');
      const third = await bill();
      await until(() => onceEach(pushed, [first, second, third]), 20_000, () => `each bill pushed once: ${JSON.stringify(pushed)}`);
      await new Promise((r) => setTimeout(r, 1500)); // and no later sweep sends any again
      assert.ok(onceEach(pushed, [first, second, third]), JSON.stringify(pushed));
    } finally {
      await agg.stop();
      plain.disconnect();
      hasty.disconnect();
      server.stop();
    }
  });

  it('a rebuild whose process died before handing on: the sweep sends the bills after what it had pushed, once', async () => {
    const server = await startRedisServer();
    const redis = withScripts(createRedis(server.url));
    const { sql, deps } = env();
    try {
      const s = await newShop();
      const product = await addProduct(s.shopId, 'Starch', 4);
      const bill = () => billIn(s, product, 2);
      const before = [await bill(), await bill()];
      const pushedUpTo = await settled(s.shopId);
      const after = [await bill(), await bill()];
      // Redis came back empty and a rebuild ran to its end, knowing the process had pushed up to
      // `pushedUpTo`; the process died before sending the two bills after it
      assert.equal((await rebuildShop(sql, redis, deps.keys, s.shopId, { fedFrom: pushedUpTo })).status, 'rebuilt');
      assert.equal(await redis.hget(deps.keys.agg(s.shopId).meta, 'fed'), String(pushedUpTo));
      const { agg, pushed } = recordingAggregator(redis, deps.keys, { feedTakeoverMs: 300 });
      await agg.start();
      try {
        await until(() => onceEach(pushed, after), 60_000, () => `the two bills pushed: ${JSON.stringify(pushed)}`);
        await new Promise((r) => setTimeout(r, 1000));
        assert.ok(onceEach(pushed, after), JSON.stringify(pushed));
        assert.ok(!before.some((id) => pushed.includes(id)), 'bills pushed before the rebuild are not sent again');
      } finally {
        await agg.stop();
      }
    } finally {
      redis.disconnect();
      server.stop();
    }
  });

  it("a new shop whose signup build failed: its first build hands its bills on, once; an older shop's are not replayed (migration 0047)", async () => {
    const server = await startRedisServer();
    const redis = withScripts(createRedis(server.url));
    const { sql, deps } = env();
    try {
      const fresh = await newShop();
      const older = await newShop();
      const freshProduct = await addProduct(fresh.shopId, 'Alteration', 25);
      const olderProduct = await addProduct(older.shopId, 'Ironing', 3);
      const owed = [await billIn(fresh, freshProduct), await billIn(fresh, freshProduct)];
      const notOwed = [await billIn(older, olderProduct)];
      await settled(fresh.shopId);
      await settled(older.shopId);
      // In this test's own Redis neither shop was ever built. The fresh one is as if signup's build
      // had failed (the service's aggregator built it in the run's Redis, so its mark is set back
      // by hand); the older one was built at signup, and its bills went to a feed there.
      await sql`update shops set first_build_pending = true where id = ${fresh.shopId}`;
      // and the run's aggregator copied the older shop's mark to Postgres (migration 0048), as a sweep does within seconds
      await until(async () => (await feedMark(older.shopId)) === (await settled(older.shopId)), 20_000, "the older shop's feed mark in Postgres");
      const { agg, pushed } = recordingAggregator(redis, deps.keys, { feedTakeoverMs: 300 });
      await agg.start();
      try {
        await until(() => onceEach(pushed, owed), 60_000, () => `the fresh shop's bills pushed: ${JSON.stringify(pushed)}`);
        await builtIn(redis, deps.keys, older.shopId);
        await new Promise((r) => setTimeout(r, 1000)); // and no sweep sends any again
        assert.ok(onceEach(pushed, owed), JSON.stringify(pushed));
        assert.ok(!notOwed.some((id) => pushed.includes(id)), "the older shop's bills are not replayed by its rebuild");
        const [row] = await sql<{ pending: boolean }[]>`select first_build_pending as pending from shops where id = ${fresh.shopId}`;
        assert.equal(row?.pending, false, 'the first build clears the mark');
      } finally {
        await agg.stop();
      }
    } finally {
      redis.disconnect();
      server.stop();
    }
  });

  // An aggregator that starts while Redis is empty remembers nothing it pushed: its rebuilds once
  // folded the bills committed during the outage into the new state and none reached a feed.
  it('an aggregator that starts while Redis is empty hands on the bills after the mark its sweeps copied to Postgres, once (migration 0048)', () =>
    onOwnRedis(async (client, redis) => {
      const { sql, deps } = env();
      const s = await newShop();
      const product = await addProduct(s.shopId, 'Shorten', 9);
      const bill = () => billIn(s, product);
      const before = await whileAggregating(client, {}, async (first) => {
        await builtIn(client, deps.keys, s.shopId);
        const ids = [await bill(), await bill()];
        await until(() => onceEach(first.pushed, ids), 60_000, () => `the first bills pushed: ${JSON.stringify(first.pushed)}`);
        return ids;
      });
      const fedBefore = await settled(s.shopId);
      // the aggregator is gone, and Redis with it; bills go on being committed meanwhile
      redis.kill();
      await redis.start();
      const during = [await bill(), await bill()];
      const last = await settled(s.shopId);
      // The run's own aggregator copies the marks of its Redis to the same table, and its feed has
      // had these bills: once it has, the mark goes back to where this test's feed stood (it does
      // not copy the same mark twice, so it stays there).
      await until(async () => (await feedMark(s.shopId)) >= last, 20_000, 'the run aggregator copied its mark');
      await sql`update feed_marks set fed_seq = ${fedBefore} where shop_id = ${s.shopId}`;
      await whileAggregating(client, {}, async (second) => {
        await until(() => onceEach(second.pushed, during), 90_000, () => `the bills of the outage pushed: ${JSON.stringify(second.pushed)}`);
        await new Promise((r) => setTimeout(r, 1000)); // and no sweep sends any again
        assert.ok(onceEach(second.pushed, during), JSON.stringify(second.pushed));
        assert.ok(!before.some((id) => second.pushed.includes(id)), 'bills before the mark are not sent again');
        // and its own sweep copies the mark that moved past them
        await until(async () => (await feedMark(s.shopId)) === last, 10_000, () => 'the new mark copied to Postgres');
      });
    }));

  it('a feed mark in Postgres only moves forward, whichever aggregator writes last (migration 0048)', async () => {
    const { sql } = env();
    const s = await newShop();
    // far past the shop's own events, so the run's aggregator copying its real mark changes nothing here
    await recordFeedMarks(sql, [{ shopId: s.shopId, fed: 1_000_007 }]);
    await recordFeedMarks(sql, [{ shopId: s.shopId, fed: 1_000_005 }]);
    assert.equal(await feedMark(s.shopId), 1_000_007);
    await recordFeedMarks(sql, [{ shopId: s.shopId, fed: 1_000_009 }]);
    assert.equal(await feedMark(s.shopId), 1_000_009);
  });

  it("a feed mark past the shop's events (Redis ahead of a restored database) is not copied to Postgres", async () => {
    const { redis, deps } = env();
    const s = await newShop();
    const product = await addProduct(s.shopId, 'Mend', 6);
    await post('/api/bills', { items: [{ product_id: product, quantity: 1 }] }, s.cashier);
    const last = await settled(s.shopId);
    await until(async () => (await feedMark(s.shopId)) === last, 10_000, 'the mark copied');
    await redis.hset(deps.keys.agg(s.shopId).meta, 'fed', String(last + 50));
    await new Promise((r) => setTimeout(r, 1500)); // three sweeps of the run's aggregator
    assert.equal(await feedMark(s.shopId), last);
  });

  it('events applied by a process that died before sending them reach the feed: the sweep fills the hole once', async function () {
    this.timeout(60_000);
    const { sql, redis, deps } = env();
    const s = await newShop();
    const product = await addProduct(s.shopId, 'Dry clean', 20);
    const manager = await connect(s.manager);
    const seen = record(manager);
    const first = await post('/api/bills', { items: [{ product_id: product, quantity: 1 }] }, s.token);
    await until(() => seen.some((e) => e.name === 'bill:created' && e.args[0].bill.id === first.body.id), 10_000, 'the first bill on the feed');
    const meta = deps.keys.agg(s.shopId).meta;
    await until(async () => (await redis.hget(meta, 'fed')) === String(await settled(s.shopId)), 10_000, 'fed at the applied seq');
    // a process applies the next event and dies before sending it: no NOTIFY, applied by hand, never sent
    const seq = await sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`;
      const [c] = await tx<{ id: number }[]>`insert into customers (shop_id, name, phone) values (${s.shopId}, 'Orphan', '+971509990001') returning id`;
      return appendEvent(tx, s.shopId, 'customer_created', c!.id, { customer_id: c!.id });
    });
    const [row] = await sql<EventRow[]>`select seq, kind, entity_id, payload from events where shop_id = ${s.shopId} and seq = ${seq}`;
    assert.equal((await applyEvents(redis, deps.keys, s.shopId, [row!])).applied, 1);
    // live bills go on and are sent; the feed's watermark waits at the hole
    const later = await post('/api/bills', { items: [{ product_id: product, quantity: 2 }] }, s.token);
    await until(() => seen.some((e) => e.name === 'bill:created' && e.args[0].bill.id === later.body.id), 10_000, 'the later bill on the feed');
    assert.equal(await redis.hget(meta, 'fed'), String(seq - 1), 'fed stops before the hole');
    // after the takeover delay a sweep sends the hole's event (its dashboard:update follows) and fed moves past everything
    const last = await settled(s.shopId);
    await until(async () => (await redis.hget(meta, 'fed')) === String(last), 20_000, 'the hole filled');
    assert.equal(await redis.zcard(deps.keys.feed(s.shopId)), 0);
  });

  // A backlog (log.ts FEED_BACKLOG): what piled up while no aggregator applied the shop's events.
  // Its figures all count; only its newest events reach the feed, and the rest are marked sent, so
  // no sweep sends them later as a hole.
  it("after an outage the catch-up sends the backlog's newest events only, over a full batch and the rest", () =>
    onOwnRedis(async (client) => {
      const { deps } = env();
      const s = await newShop();
      const product = await addProduct(s.shopId, 'Starch', 4);
      await whileAggregating(client, { feedBacklog: 3 }, () => builtIn(client, deps.keys, s.shopId));
      // no aggregator on this Redis meanwhile: 600 events (a full batch of 500, then 100) and a bill
      await silentCustomers(s.shopId, 600);
      const bill = await billIn(s, product);
      const last = await settled(s.shopId);
      await whileAggregating(client, { feedBacklog: 3 }, async (second) => {
        const meta = deps.keys.agg(s.shopId).meta;
        await until(async () => (await client.hget(meta, 'fed')) === String(last), 30_000, 'fed at the head');
        assert.equal(await client.hget(meta, 'seq'), String(last), 'every event applied');
        await new Promise((r) => setTimeout(r, 1500)); // past the takeover delay: no sweep sends a hole
        assert.deepEqual(second.seqs, [last - 2, last - 1, last]);
        assert.deepEqual(second.pushed, [bill]);
        assert.equal(await client.zcard(deps.keys.feed(s.shopId)), 0);
      });
    }));

  it('a rebuild hands on the backlog\'s newest events only: its "fed" starts no earlier than the seq less the backlog', () =>
    onOwnRedis(async (client) => {
      const { sql, deps } = env();
      const s = await newShop();
      const product = await addProduct(s.shopId, 'Steam', 7);
      const from = await settled(s.shopId);
      const bills = [await billIn(s, product), await billIn(s, product), await billIn(s, product), await billIn(s, product)];
      const last = await settled(s.shopId);
      const handed: EventRow[] = [];
      // this Redis never had the shop: the caller pushed up to `from`, and four bills came after it
      const seq = await catchUpShop({ sql, redis: client, keys: deps.keys, feedBacklog: 2 }, s.shopId, { onApplied: (_, events) => handed.push(...events) }, undefined, from);
      assert.equal(seq, last);
      assert.deepEqual(
        handed.map((e) => (e.payload as BillCreatedPayload).bill_id),
        bills.slice(2),
      );
      assert.equal(await client.hget(deps.keys.agg(s.shopId).meta, 'fed'), String(last - 2), 'the older two count as sent');
      // a caller that pushed more than the backlog leaves out keeps its own mark
      await client.del(deps.keys.agg(s.shopId).meta);
      const r = await rebuildShop(sql, client, deps.keys, s.shopId, { fedFrom: last - 1, handsOn: true, feedBacklog: 2 });
      assert.deepEqual(r, { status: 'rebuilt', seq: last, fedFrom: last - 1 });
    }));

  it('a hole longer than the backlog: the sweep sends its newest events, and the rest count as sent', () =>
    onOwnRedis(async (client) => {
      const { sql, deps } = env();
      const s = await newShop();
      const product = await addProduct(s.shopId, 'Hem', 12);
      const meta = deps.keys.agg(s.shopId).meta;
      const fed = await whileAggregating(client, {}, async (first) => {
        await builtIn(client, deps.keys, s.shopId);
        const sent = await billIn(s, product);
        await until(() => first.pushed.includes(sent), 10_000, 'a bill sent');
        const head = await settled(s.shopId);
        await until(async () => (await client.hget(meta, 'fed')) === String(head), 10_000, 'fed at the head');
        return head;
      });
      // a process applies four events and dies before sending them: a hole after `fed`
      const top = await silentCustomers(s.shopId, 4);
      const rows = await sql<EventRow[]>`select seq, kind, entity_id, payload from events where shop_id = ${s.shopId} and seq > ${fed} order by seq`;
      assert.equal(rows.length, 4);
      assert.equal((await applyEvents(client, deps.keys, s.shopId, rows)).applied, 4);
      const bill = await billIn(s, product);
      await whileAggregating(client, { feedBacklog: 2 }, async (second) => {
        await until(() => second.seqs.length >= 3, 20_000, () => `the hole sent: ${JSON.stringify(second.seqs)}`);
        await new Promise((r) => setTimeout(r, 500)); // and nothing more
        assert.equal(await client.hget(meta, 'fed'), String(top + 1));
        assert.deepEqual(second.pushed, [bill]);
        assert.deepEqual(second.seqs, [top + 1, top - 1, top]);
        assert.equal(await client.zcard(deps.keys.feed(s.shopId)), 0);
      });
    }));

  it("a backlog's old events leave no message on a manager's socket; its newest do (the publisher)", async () => {
    const { sql, deps, config } = env();
    const s = await newShop();
    const product = await addProduct(s.shopId, 'Fold', 3);
    const manager = await connect(s.manager);
    const seen = record(manager);
    const ids = [await billIn(s, product), await billIn(s, product), await billIn(s, product)];
    const created = (id: number) => seen.filter((e) => e.name === 'bill:created' && e.args[0].bill.id === id).length;
    await until(() => ids.every((id) => created(id) === 1), 10_000, 'the bills on the feed');
    const events = await sql<EventRow[]>`select seq, kind, entity_id, payload from events where shop_id = ${s.shopId} and kind = 'bill_created' order by seq`;
    // The same three handed on again as a backlog whose newest is the third, by a publisher on
    // another Socket.IO server. In this process that one reaches the socket twice: socket.io's uWS
    // patch of Adapter.prototype.broadcast is global to a process and publishes on the app the
    // service attached, and the Redis adapter delivers it too. A process holds one server in the
    // service, so only "sent again or not" is asserted.
    const other = createIo(config, deps.keys, createLogger('silent'));
    const publisher = createPublisher(other.io, deps);
    try {
      publisher.onApplied!(s.shopId, events, events[1]!.seq);
      await until(() => created(ids[2]!) > 1, 10_000, 'the newest sent again');
      await publisher.idle();
      // its messages leave in order, so the older two would have arrived first
      assert.deepEqual(ids.slice(0, 2).map(created), [1, 1]);
    } finally {
      publisher.close();
      await other.close();
    }
  });

  it('with three aggregators, prev_seq chains updates across them: a client re-syncs on almost none', async () => {
    const nodes = await Promise.all([startOwnService('feeds', { ROLES: 'api,realtime,aggregator' }), startOwnService('feeds', { ROLES: 'api,realtime,aggregator' })]);
    try {
      // the run's own node (with its aggregator) is on another prefix: these two share one
      const signup = await fetch(`${nodes[0]!.url}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ shop_name: 'Feeds', email: `feeds-${Date.now()}@test.tajir`, password: 'secret-123' }),
      }).then((r) => r.json() as Promise<any>);
      const token = signup.token as string;
      const product = await addProduct(signup.shop.id, 'Steam', 9);
      const sockets = await Promise.all(nodes.map((n) => connect(token, n.url)));
      const screens = await Promise.all(sockets.map(async (sock) => ({ seen: record(sock), seq: (await sync(sock)).seq as number })));
      for (let i = 0; i < 60; i++) {
        const node = nodes[i % 2]!;
        const r = await fetch(`${node.url}/api/bills`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ items: [{ product_id: product, quantity: 1 }] }),
        });
        assert.equal(r.status, 201);
        await new Promise((res) => setTimeout(res, 40));
      }
      const last = screens.map(() => 0);
      await until(
        () =>
          screens.every((s, k) => {
            const u = s.seen.filter((e) => e.name === 'dashboard:update').at(-1);
            last[k] = u?.args[0].seq ?? 0;
            return u?.args[0].seq === screens[0]!.seq + 60;
          }),
        20_000,
        'every screen at the last seq',
      );
      let updates = 0;
      let resyncs = 0;
      for (const s of screens) {
        let seq = s.seq;
        for (const e of s.seen.filter((x) => x.name === 'dashboard:update')) {
          const u = e.args[0] as { seq: number; prev_seq: number | null };
          if (u.seq <= seq) continue; // older than what the screen shows: ignored, as API.md says
          updates++;
          if (u.prev_seq !== seq) resyncs++; // the client would call dashboard:sync here
          seq = u.seq;
        }
      }
      assert.ok(updates >= 20, `${updates} updates`);
      assert.ok(resyncs <= Math.ceil(updates * 0.1), `${resyncs} re-syncs for ${updates} updates`);
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
    }
  });
});
