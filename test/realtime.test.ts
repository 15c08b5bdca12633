import assert from 'node:assert/strict';
import { SignJWT } from 'jose';
import type { Dashboard } from '../src/domain/dashboard/build.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { applyDashboardChanges, rooms } from '../src/realtime/contracts.ts';
import { SUFFIX } from '../src/redis/keys.ts';
import { createRedis } from '../src/redis/client.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { get, newShop, post, put, type ShopSession } from './support/http.ts';
import { startOwnService } from './support/service.ts';
import { closeAllSockets, connect, connected, openSocket, record, sync, until } from './support/sockets.ts';

describe('realtime', function () {
  this.timeout(60_000);
  let a: ShopSession;
  let b: ShopSession;
  let product: number;
  before(async () => {
    a = await newShop();
    b = await newShop();
    product = await addProduct(a.shopId, 'Kandura', 150);
  });
  afterEach(() => closeAllSockets());

  it('reaches a long-polling manager beside WebSocket ones, and the WebSocket ones alone once it left (issue 20: the fast publish)', async () => {
    const ws = await connect(a.manager);
    const seenWs = record(ws);
    const polling = await connected(openSocket(a.manager, env().baseUrl, { transports: ['polling'], upgrade: false }));
    const seenPolling = record(polling);
    const sell = async () => {
      const bill = await post('/api/bills', { items: [{ product_id: product, quantity: 1 }] }, a.cashier);
      assert.equal(bill.status, 201);
      return bill.body.id as number;
    };
    const first = await sell();
    const got = (seen: { name: string; args: any[] }[], id: number) => seen.some((e) => e.name === 'bill:created' && e.args[0].bill.id === id);
    await until(() => got(seenWs, first) && got(seenPolling, first), 5000, 'the bill on both transports');
    polling.disconnect();
    await until(() => ws.connected, 1000, 'the WebSocket manager still there');
    // once the polling connection is gone the node sends without socket.io's per-socket scan
    const second = await sell();
    await until(() => got(seenWs, second), 5000, 'the next bill over WebSocket');
    assert.equal(seenWs.filter((e) => e.name === 'bill:created' && e.args[0].bill.id === second).length, 1, 'once');
  });

  it('pushes a bill to the managers of its shop, and nothing to another shop, even one asking to join', async () => {
    const mine = await connect(a.manager);
    const other = await connect(b.token);
    const cashier = await connect(a.cashier);
    const seenMine = record(mine);
    const seenOther = record(other);
    const seenCashier = record(cashier);
    // there is no way in: the server joins rooms, and events asking to join are not handled
    for (const room of [rooms.managers(a.shopId), rooms.dashboard(a.shopId, 'whole'), rooms.terminals(a.shopId)]) {
      for (const name of ['join', 'subscribe', 'room:join']) (other.emit as (...args: unknown[]) => void)(name, room);
    }
    const bill = await post('/api/bills', { items: [{ product_id: product, quantity: 2 }], payments: [{ amount: 100, method: 'Cash' }] }, a.cashier);
    assert.equal(bill.status, 201);
    await until(() => seenMine.some((e) => e.name === 'dashboard:update'), 5000, 'dashboard:update');
    await until(() => seenMine.some((e) => e.name === 'bill:created'), 5000, 'bill:created');
    const created = seenMine.find((e) => e.name === 'bill:created')!.args[0];
    assert.equal(created.bill.id, bill.body.id);
    assert.equal(created.bill.total_amount, 300);
    const seq = await settled(a.shopId);
    assert.equal(created.seq, seq);
    // the update at this bill's seq may trail its bill:created by up to a push window: the first
    // update this socket saw can be the trailing one of the previous test's bills
    await until(() => seenMine.some((e) => e.name === 'dashboard:update' && e.args[0].seq >= seq), 5000, "the dashboard:update at the bill's seq");
    const update = seenMine.filter((e) => e.name === 'dashboard:update').at(-1)!.args[0];
    assert.equal(update.seq, seq);
    const rest = await get('/api/dashboard', a.token);
    assert.equal(update.changes.today.revenue, rest.body.today.revenue);
    // a marker that comes later: the other shop's own bill reaches its manager, and by then
    // anything of shop A that could have leaked to it would have arrived first
    const otherProduct = await addProduct(b.shopId, 'Marker', 1);
    const marker = await post('/api/bills', { items: [{ product_id: otherProduct, quantity: 1 }] }, b.token);
    await until(() => seenOther.some((e) => e.name === 'bill:created' && e.args[0].bill.id === marker.body.id), 5000, "the other shop's own bill");
    assert.deepEqual(
      seenOther.filter((e) => e.name === 'bill:created' && e.args[0].bill.id !== marker.body.id),
      [],
    );
    assert.ok(!seenOther.some((e) => e.name === 'dashboard:update' && e.args[0].changes?.today?.revenue === 300), "!seenOther.some((e) => e.name === 'dashboard:update' && e.args[0].changes?.today?.revenue === 300)");
    assert.ok(!seenCashier.some((e) => e.name === 'dashboard:update' || e.name === 'bill:created'), "!seenCashier.some((e) => e.name === 'dashboard:update' || e.name === 'bill:created')");
  });

  it('reaches local sockets without waiting for the publish to other nodes (adapter.ts)', async () => {
    const mine = await connect(a.manager);
    const seen = record(mine);
    const admin = createRedis(env().config.redisUrl);
    try {
      await admin.call('CLIENT', 'PAUSE', '1500', 'WRITE'); // holds every SPUBLISH for 1.5 s
      const t0 = performance.now();
      env().node.publisher.productChanged(a.shopId, { id: product, name: 'Kandura' } as never);
      await until(() => seen.some((e) => e.name === 'product:updated'), 1000, 'local delivery while Redis holds the publish');
      assert.ok(performance.now() - t0 < 1000, "performance.now() - t0 < 1000");
    } finally {
      await admin.call('CLIENT', 'UNPAUSE');
      admin.disconnect();
    }
  });

  it("drops the echo of its own publishes before parsing them, and hears another node's (adapter.ts)", async () => {
    const mine = await connect(a.manager);
    const seen = record(mine);
    const adapter = env().node.io.io.of('/').adapter as unknown as { uid: string; onMessage(m: { uid: string }, offset?: string): void };
    const parsed: string[] = [];
    const onMessage = adapter.onMessage;
    adapter.onMessage = (m, offset) => {
      parsed.push(m.uid);
      onMessage.call(adapter, m, offset);
    };
    // another node in this node's cluster (same Redis prefix, so the same channels), with its own adapter
    const other = await startOwnService('echo-peer', { ROLES: 'api,realtime', REDIS_PREFIX: env().config.redisPrefix });
    try {
      const bill = await post('/api/bills', { items: [{ product_id: product, quantity: 1 }] }, a.cashier);
      assert.equal(bill.status, 201);
      await until(() => seen.some((e) => e.name === 'bill:created' && e.args[0].bill.id === bill.body.id), 5000, 'the bill, sent by this node');
      const res = await fetch(`${other.url}/api/products/${product}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ rate: 151 }),
      });
      assert.equal(res.status, 200);
      await until(() => seen.some((e) => e.name === 'product:updated' && e.args[0].product.rate === 151), 5000, "the price change, sent by the other node's publisher");
      assert.ok(!parsed.includes(adapter.uid), 'no message of its own was parsed');
      assert.ok(parsed.length > 0, "the other node's message was parsed and delivered");
    } finally {
      adapter.onMessage = onMessage;
      await other.stop();
    }
  });

  it('refuses missing, forged and expired tokens with a code, and terminals on manager events', async () => {
    await assert.rejects(connected(openSocket(undefined)), (e: any) => e.code === 'token_missing');
    await assert.rejects(connected(openSocket(`${a.token.slice(0, -3)}abc`)), (e: any) => e.code === 'token_invalid');
    const expired = await new SignJWT({ shop: a.shopId, role: 'owner', kind: 'user' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(String(a.userId))
      .setIssuer('tajir-pos')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(new TextEncoder().encode(env().config.jwtSecret));
    await assert.rejects(connected(openSocket(expired)), (e: any) => e.code === 'token_expired');
    const terminal = await connect(a.terminal);
    const r = await sync(terminal);
    assert.equal(r.error.code, 'forbidden');
    const cashier = await connect(a.cashier);
    assert.equal((await sync(cashier)).error.code, 'forbidden');
  });

  it('limits reconnect storms: handshakes per IP, and dashboard:sync per connection', async function () {
    this.timeout(30_000);
    // a node of its own with a small handshake budget (the shared test node allows 100,000)
    const storm = await startOwnService('storm', { ROLES: 'api,realtime', SOCKET_HANDSHAKES_PER_IP: '3' });
    const { url } = storm;
    try {
      // One first, so the node's Redis path (connection, script load) is warm; then three at
      // once, so all four fall in one 10 s window however slow the machine. A handshake the node
      // let through because the limiter's Redis call failed (a stalled loop on a loaded CI can
      // time out its 1 s command timeout) is not a refusal the limit owed: further tries, one at
      // a time, make up for each such one, and the node must refuse by the fourth counted try.
      const tries = await Promise.allSettled([connected(openSocket(a.manager, url))]);
      tries.push(...(await Promise.allSettled(Array.from({ length: 3 }, () => connected(openSocket(a.manager, url))))));
      const isRefused = (t: PromiseSettledResult<unknown>) => t.status === 'rejected' && (t.reason as { code?: string } | undefined)?.code === 'rate_limited';
      const failedOpen = async () => {
        const metrics = await fetch(`${url}/metrics`).then((r) => r.text(), (e: Error) => e.message);
        const line = metrics.split('\n').find((l) => l.startsWith('tajir_rate_limit_fail_open_total{limit="socket-handshake"}'));
        return line ? Number(line.split(' ').pop()) : 0;
      };
      while (!tries.some(isRefused) && tries.length < 4 + (await failedOpen())) tries.push(...(await Promise.allSettled([connected(openSocket(a.manager, url))])));
      const refused = tries.filter(isRefused);
      const passed = tries.filter((t) => t.status === 'fulfilled').length;
      const skipped = await failedOpen();
      if (refused.length < 1 || passed - skipped > 3) {
        // say why: each try's outcome, and whether the node let handshakes through on a Redis error
        const outcomes = tries.map((t) => (t.status === 'fulfilled' ? 'connected' : String((t.reason as Error).message)));
        assert.fail(`${refused.length} of ${tries.length} handshakes refused (${outcomes.join(', ')}); let through on a limiter error: ${skipped}; node log: ${storm.output().slice(-2000)}`);
      }
    } finally {
      storm.child.kill('SIGKILL');
    }
    const sock = await connect(a.manager);
    // a second sync within 200 ms is answered when the 200 ms are over, with a dashboard (a client
    // that asks is stale: refusing it would leave it so). The interval runs from the server's
    // receipt of the first, which is after this client sent it: timed from the first send, the
    // second answer can come no sooner than 200 ms however long the first read took.
    const firstSent = performance.now();
    assert.equal(typeof (await sync(sock)).seq, 'number');
    const second = await sync(sock);
    const elapsed = performance.now() - firstSent;
    assert.equal(typeof second.seq, 'number');
    assert.ok(second.dashboard, 'the delayed answer carries the dashboard');
    assert.ok(elapsed >= 195, `second sync answered ${elapsed.toFixed(0)} ms after the first was sent, not after the interval`);
  });

  it('a storm of dashboard:syncs of one shop costs one Redis read, not one per socket', async () => {
    const s = await newShop();
    // 40 sockets of two managers (a user may hold 20)
    const sockets = await Promise.all(Array.from({ length: 40 }, (_, i) => connect(i % 2 ? s.manager : s.token)));
    // every command Redis receives, as Redis itself reports it (MONITOR)
    const monitor = await createRedis(env().config.redisUrl).monitor();
    const reads: string[] = [];
    const marker = `marker-${s.shopId}`;
    let markerSeen = false;
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (/^eval/i.test(args[0] ?? '') && args.some((a) => a.includes(`{shop:${s.shopId}}`))) reads.push(args[0]!);
      if (args[0]?.toLowerCase() === 'echo' && args[1] === marker) markerSeen = true;
    });
    try {
      const replies = await Promise.all(sockets.map(sync));
      assert.ok(replies.every((r) => r.seq === replies[0].seq && r.dashboard), "replies.every((r) => r.seq === replies[0].seq && r.dashboard)");
      // MONITOR reports commands in the order Redis ran them: once a command sent after the syncs
      // shows, every read the syncs made has shown
      await env().redis.echo(marker);
      await until(() => markerSeen, 5000, 'the marker command in MONITOR');
      assert.ok(reads.length >= 1 && reads.length <= 2, `${reads.length} script calls for 40 syncs`);
    } finally {
      // ioredis throws (uncaught) on a MONITOR line that arrives while it disconnects gracefully,
      // and on a shared Redis the stream never goes quiet: cut the socket first, then disconnect
      (monitor as unknown as { stream?: { destroy(): void } }).stream?.destroy();
      monitor.disconnect();
    }
  });

  it('a manager offline during 100 bills is exact after one dashboard:sync', async () => {
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Wash', 7.35);
    const sock = await connect(s.manager);
    const first = await sync(sock);
    sock.disconnect();
    for (let i = 0; i < 100; i++) {
      await post('/api/bills', { items: [{ product_id: p, quantity: 1 + (i % 3) }], payments: i % 2 ? [{ amount: 1, method: 'Card' }] : [] }, s.cashier);
    }
    await settled(s.shopId);
    sock.connect();
    await connected(sock);
    const after = await sync(sock);
    assert.ok(after.seq >= first.seq + 100, "after.seq >= first.seq + 100");
    assert.deepEqual(after.dashboard, (await get('/api/dashboard', s.token)).body);
    assert.equal(after.dashboard.today.bills, 100);
  });

  it('a 2,000-bill burst gives far fewer dashboard:updates, at most one per window, the last one exact', async function () {
    this.timeout(120_000);
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Iron', 3);
    const sock = await connected(openSocket(s.manager, undefined, { auth: { token: s.manager, series: 'moved' } }));
    const seen = record(sock);
    const updateTimes: number[] = [];
    sock.on('dashboard:update', () => updateTimes.push(performance.now()));
    const plain = await connect(s.manager); // API.md's form: whole parts
    const seenPlain = record(plain);
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < 2000) {
          next++;
          const r = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, s.terminal);
          assert.equal(r.status, 201);
        }
      }),
    );
    const seq = await settled(s.shopId, 60_000);
    await until(() => seen.filter((e) => e.name === 'dashboard:update').at(-1)?.args[0].seq === seq, 10_000, 'last update');
    const updates = seen.filter((e) => e.name === 'dashboard:update').map((e) => e.args[0]);
    // fewer updates than bills; how many fewer depends on how fast the machine takes bills (on a
    // loaded machine they arrive slower than one a window), so the bound is the window below
    assert.ok(updates.length < 2000, `${updates.length} updates`);
    // at most one per 50 ms window (the default): counted over the span they arrived in, with
    // room for network jitter at both ends
    const span = updateTimes.at(-1)! - updateTimes[0]!;
    assert.ok(updates.length <= span / 50 + 3, `${updates.length} updates in ${span.toFixed(0)} ms`);
    for (let i = 1; i < updates.length; i++) assert.ok(updates[i].seq > updates[i - 1].seq, 'seq only grows');
    assert.equal(seen.filter((e) => e.name === 'bill:created').length, 2000);
    // the publisher's first update of a shop is the whole dashboard; each later one moves the
    // state from its prev_seq, and replaying them all gives GET /api/dashboard
    assert.equal(updates[0].prev_seq, null);
    let state = { ...updates[0].changes, seq: updates[0].seq } as Dashboard;
    for (const u of updates.slice(1)) {
      assert.equal(u.prev_seq, state.seq, 'no update missed');
      assert.ok((u.changes.daily?.length ?? 0) <= 1, 'a series carries only the entries that moved');
      state = applyDashboardChanges(state, u.changes, u.seq);
    }
    const rest = (await get('/api/dashboard', s.token)).body;
    assert.deepEqual(state, rest);
    assert.equal(rest.today.bills, 2000);
    // the same updates in the whole form: a shallow merge of each gives the same end state
    await until(() => seenPlain.filter((e) => e.name === 'dashboard:update').at(-1)?.args[0].seq === seq, 10_000, 'last whole update');
    let merged = {} as Dashboard;
    for (const e of seenPlain.filter((x) => x.name === 'dashboard:update')) {
      const u = e.args[0];
      if (u.changes.daily) assert.equal(u.changes.daily.length, 30, 'a series that moved comes whole');
      merged = { ...merged, ...u.changes, seq: u.seq };
    }
    assert.deepEqual(merged, rest);
  });

  it('terminals acknowledge settings versions and show online in GET /api/terminals', async () => {
    const t = await connect(a.terminal);
    const [row] = await env().sql<{ version: number }[]>`select version from shop_settings where shop_id = ${a.shopId}`;
    const version = row!.version;
    const ack = await new Promise<any>((resolve) => t.emit('settings:ack', { version }, resolve));
    assert.deepEqual(ack, { ok: true });
    const bad = await new Promise<any>((resolve) => t.emit('settings:ack', { version: version + 100 }, resolve));
    assert.deepEqual(bad, { ok: true }); // a version from the future is ignored, not stored
    const list = await get('/api/terminals', a.token);
    const me = list.body.items.find((x: any) => x.id === a.terminalId);
    assert.equal(me.online, true);
    assert.equal(me.settings_version_acked, version);
    t.disconnect();
    await until(async () => !(await get('/api/terminals', a.token)).body.items.find((x: any) => x.id === a.terminalId).online, 5000, 'offline');
  });

  it('pushes loyalty:update to managers and terminals, tier_changed when a bill or a tier replacement moves the account', async () => {
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Thobe', 100);
    const manager = await connect(s.manager);
    const terminal = await connect(s.terminal);
    const stranger = await connect(b.token);
    const [toManager, toTerminal, toStranger] = [manager, terminal, stranger].map(record) as [ReturnType<typeof record>, ReturnType<typeof record>, ReturnType<typeof record>];
    const updates = (seen: ReturnType<typeof record>) => seen.filter((e) => e.name === 'loyalty:update').map((e) => e.args[0]);
    const bill = async (customer: object, quantity: number) => {
      const r = await post('/api/bills', { customer, items: [{ product_id: p, quantity }] }, s.cashier);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.customer_id as number;
    };
    const loyal = await bill({ phone: '0507770001', name: 'Loyal' }, 5); // 500 points: Bronze
    const casual = await bill({ phone: '0507770002', name: 'Casual' }, 1); // 100 points: Bronze
    await bill({ id: loyal }, 3); // 800: still Bronze
    await bill({ id: loyal }, 4); // 1,200: Silver (threshold 1,000)
    await settled(s.shopId);
    await until(() => updates(toManager).length === 4 && updates(toTerminal).length === 4, 5000, 'four loyalty:updates each');
    assert.deepEqual(updates(toTerminal), updates(toManager));
    const mine = updates(toManager).filter((u) => u.customer_id === loyal);
    assert.deepEqual(
      mine.slice(1).map((u) => [u.lifetime_points, u.tier, u.tier_changed]),
      [
        [800, 'Bronze', false],
        [1200, 'Silver', true],
      ],
    );
    const read = (await get(`/api/loyalty/customers/${loyal}`, s.cashier)).body;
    assert.deepEqual(mine.at(-1), { customer_id: loyal, available_points: read.available_points, lifetime_points: read.lifetime_points, tier: 'Silver', tier_changed: true });

    // A replacement that raises Silver to 2,000 moves Loyal back to Bronze, which it renames
    // (matched case-insensitively, so Casual keeps its tier row under the new name).
    toManager.length = 0;
    toTerminal.length = 0;
    const tiers = [
      { name: 'BRONZE', threshold_points: 0, multiplier: 1, discount_percent: 0 },
      { name: 'Silver', threshold_points: 2000, multiplier: 1.1, discount_percent: 5 },
    ];
    assert.equal((await put('/api/loyalty/tiers', { tiers }, s.manager)).status, 200);
    await settled(s.shopId);
    await until(() => updates(toManager).length === 1 && updates(toTerminal).length === 1, 5000, 'the moved account only');
    assert.deepEqual(updates(toManager), [{ customer_id: loyal, available_points: read.available_points, lifetime_points: 1200, tier: 'BRONZE', tier_changed: true }]);
    assert.deepEqual(updates(toTerminal), updates(toManager));
    // the aggregates' copy of both accounts follows (tier id and the new name), as a rebuild from Postgres would have it
    const v = await verifyShop(env().sql, env().redis, env().deps.keys, s.shopId);
    assert.deepEqual([v.error, v.differences], [undefined, []]);
    const snapshot = JSON.parse((await env().redis.hget(env().deps.keys.agg(s.shopId).full(SUFFIX.loy), String(casual)))!);
    assert.equal(snapshot.tier, 'BRONZE');

    // nothing moved, nothing renamed: no event, no push
    toManager.length = 0;
    assert.equal((await put('/api/loyalty/tiers', { tiers }, s.manager)).status, 200);
    // a marker that comes later on the same path: a bill's loyalty:update for another customer
    const later = await post('/api/bills', { items: [{ product_id: p, quantity: 1 }], customer: { phone: '0507770001', name: 'Marker' } }, s.cashier);
    assert.equal(later.status, 201);
    await until(() => updates(toManager).some((u) => u.customer_id === later.body.customer_id), 5000, 'the marker');
    assert.deepEqual(updates(toManager).filter((u) => u.customer_id !== later.body.customer_id), []);
    assert.deepEqual(toStranger.filter((e) => e.name === 'loyalty:update'), []);
  });

  it('pushes product and settings changes to terminals', async () => {
    const t = await connect(a.terminal);
    const seen = record(t);
    env().deps.notifier.productChanged(a.shopId, { id: product, rate: 160 });
    env().deps.notifier.settingsChanged(a.shopId, 7, 'locale', { language: 'ar' });
    await until(() => seen.length >= 2, 5000, 'pushes');
    assert.deepEqual(seen.map((e) => e.name).sort(), ['product:updated', 'settings:updated']);
  });
  it('after the adapter re-subscribes, each local manager hears its shop\'s current seq with no prev_seq and no changes', async () => {
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Press', 5);
    const sock = await connect(s.manager);
    const seen = record(sock);
    const cashier = await connect(s.cashier);
    const seenCashier = record(cashier);
    await post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, s.cashier);
    const seq = await settled(s.shopId);
    await until(() => seen.some((e) => e.name === 'dashboard:update' && e.args[0].seq === seq), 5000, 'the bill\'s update');
    await env().node.publisher.announceLocal();
    await until(() => seen.filter((e) => e.name === 'dashboard:update').length >= 2, 5000, 'the announcement');
    // a client at this seq ignores it (not newer); one behind sees a jump and calls dashboard:sync
    assert.deepEqual(seen.filter((e) => e.name === 'dashboard:update').at(-1)!.args[0], { seq, prev_seq: null, changes: {} });
    assert.ok(!seenCashier.some((e) => e.name === 'dashboard:update'), 'managers only');
  });
});
