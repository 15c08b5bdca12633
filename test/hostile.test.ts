/**
 * One tenant can never stall, crash or starve the service (issue: hostile tenant): a regression
 * test for each symptom that once froze or poisoned the shared process — far dates, a bill sized
 * to overflow the aggregates, an event that cannot be applied, malformed NOTIFY payloads, a
 * terminal flooding socket events, and a principal piling up sockets.
 */
import assert from 'node:assert/strict';
import type { TSchema } from '@sinclair/typebox';
import { applyEvents } from '../src/domain/aggregates/apply.ts';
import { chunks, rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { appendEvent } from '../src/domain/events/append.ts';
import { EVENTS_CHANNEL } from '../src/domain/events/channel.ts';
import { allRoutes } from '../src/rest/routes/index.ts';
import { parseNotifyPayload } from '../src/workers/notify-payload.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { call, get, newShop, post, type ShopSession } from './support/http.ts';
import { type ClientSocket, closeAllSockets, connect, openSocket, record, until } from './support/sockets.ts';

/** The top-level fields of a schema that hold a date (DateStr, possibly optional or nullable). */
function dateFields(schema: TSchema | undefined): string[] {
  const props = (schema as { properties?: Record<string, TSchema & { format?: string; anyOf?: { format?: string }[] }> } | undefined)?.properties ?? {};
  return Object.entries(props)
    .filter(([, p]) => p.format === 'date' || p.anyOf?.some((b) => b.format === 'date'))
    .map(([name]) => name);
}

const FAR = ['9999-12-31', '0001-01-01', '1999-12-31', '2100-01-01', '+20000-01-01', '2026-02-30'];

async function metric(name: string): Promise<number> {
  const text = (await get('/metrics')).body as string;
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

describe('a hostile or careless tenant', () => {
  let a: ShopSession;
  let b: ShopSession;
  before(async () => {
    [a, b] = await Promise.all([newShop(), newShop()]);
  });
  afterEach(() => closeAllSockets());

  describe('far and long periods', () => {
    it('every route that takes a date answers 400 naming the field for dates outside 2000-01-01..2099-12-31', async () => {
      const seen: string[] = [];
      for (const r of allRoutes()) {
        const fields = [...dateFields(r.query).map((f) => ['query', f] as const), ...dateFields(r.body).map((f) => ['body', f] as const)];
        if (fields.length === 0) continue;
        const path = r.path.replace(/:[A-Za-z_]+/g, '1');
        for (const [where, field] of fields) {
          for (const value of FAR) {
            const started = performance.now();
            const res =
              where === 'query'
                ? await call(r.method.toUpperCase(), `${path}?${field}=${encodeURIComponent(value)}`, { token: a.token })
                : await call(r.method.toUpperCase(), path, { token: a.token, body: { [field]: value } });
            const what = `${r.method.toUpperCase()} ${r.path} ${where}.${field}=${value}`;
            assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
            assert.ok(
              res.body.error.details.some((d: { field: string }) => d.field === field),
              `${what} names ${field}: ${JSON.stringify(res.body.error.details)}`,
            );
            assert.ok(performance.now() - started < 2000, `${what} answered in under 2 s`);
          }
          seen.push(`${r.method} ${r.path} ${field}`);
        }
      }
      // the routes the issue names are among them
      for (const must of ['get /api/financial-insights to', 'get /api/bills from', 'get /api/expenses to', 'post /api/reports from', 'get /api/employees/:id/performance from', 'post /api/bills bill_date']) {
        assert.ok(seen.includes(must), `${must} is checked (${seen.length} checked)`);
      }
    });

    it('GET /api/financial-insights?to=9999-12-31 is a 400, and the process goes on answering', async () => {
      const res = await get('/api/financial-insights?to=9999-12-31', a.token);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.details[0].field, 'to');
      assert.equal((await get('/healthz')).status, 200);
    });

    it('refuses periods past 3,660 days, reversed ones, and a `days` that reaches before 2000, before any per-day work', async () => {
      const cases: [string, string][] = [
        ['/api/financial-insights?from=2000-01-01&to=2099-12-31', 'from'],
        ['/api/financial-insights?from=2030-01-02&to=2030-01-01', 'from'],
        ['/api/financial-insights?to=2000-01-10&days=3660', 'days'],
        ['/api/bills?from=2000-01-01&to=2099-12-31', 'from'],
        ['/api/expenses?from=2000-01-01&to=2099-12-31', 'from'],
        ['/api/employees/1/performance?from=2000-01-01&to=2099-12-31', 'from'],
      ];
      for (const [path, field] of cases) {
        const res = await get(path, a.token);
        // the performance route answers 404 for an employee that is not there; give it one
        assert.ok([400, 404].includes(res.status), `${path}: ${res.status}`);
        if (res.status === 400) assert.equal(res.body.error.details[0].field, field, path);
      }
      const [e] = await env().sql<{ id: number }[]>`insert into employees (shop_id, name) values (${a.shopId}, 'Far') returning id`;
      const perf = await get(`/api/employees/${e!.id}/performance?from=2000-01-01&to=2099-12-31`, a.token);
      assert.equal(perf.status, 400);
      const longest = await get('/api/financial-insights?from=2016-01-01&to=2025-12-31', a.token);
      assert.equal(longest.status, 200, '3,653 days is within the bound');
      assert.equal(longest.body.period.from, '2016-01-01');
    });
  });

  describe('money bounds', () => {
    it('a bill sized to overflow the aggregates is a 422 and creates nothing; a rate past 1,000,000 is a 400 naming the line', async () => {
      const product = await addProduct(a.shopId, 'Gold thread', 1_000_000);
      const items = Array.from({ length: 200 }, () => ({ product_id: product, quantity: 10_000 }));
      const [before] = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${a.shopId}`;
      const big = await post('/api/bills', { items }, a.token);
      assert.equal(big.status, 422, JSON.stringify(big.body));
      assert.equal(big.body.error.code, 'bill_total_too_large');
      assert.equal((await post('/api/bills/quote', { items }, a.token)).body.error.code, 'bill_total_too_large');
      const rate = await post('/api/bills', { items: [{ product_id: product, quantity: 1, rate: 100_000_000 }] }, a.token);
      assert.equal(rate.status, 400);
      assert.equal(rate.body.error.details[0].field, 'items.0.rate');
      const [after] = await env().sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id = ${a.shopId}`;
      assert.equal(after!.n, before!.n);
      // the largest bill allowed goes through
      const ok = await post('/api/bills', { items: [{ product_id: product, quantity: 10 }] }, a.token);
      assert.equal(ok.status, 201);
      assert.equal(ok.body.total_amount, 10_000_000);
    });
  });

  describe('the aggregate apply', () => {
    it('applies a batch up to an increment that would leave the exact range, never half an event, and never again', async () => {
      const s = await newShop();
      const seq = await settled(s.shopId);
      const { redis, deps } = env();
      const day = '2026-06-15';
      const expense = (n: number, fils: number) => ({ seq: seq + n, kind: 'expense_created' as const, entity_id: 1, payload: { amount_fils: fils, expense_date: day, category_id: 1 } });
      const batch = [expense(1, 100), expense(2, 2 ** 53), expense(3, 7)];
      const r = await applyEvents(redis, deps.keys, s.shopId, batch);
      assert.deepEqual({ ...r }, { applied: 1, seq: seq + 1, status: 'stuck', stuckSeq: seq + 2 });
      const exp = () => redis.hget(deps.keys.agg(s.shopId).full(`d:${day}`), 'exp');
      assert.equal(await exp(), '100');
      const again = await applyEvents(redis, deps.keys, s.shopId, batch);
      assert.equal(again.applied, 0);
      assert.equal(again.status, 'stuck');
      assert.equal(await exp(), '100', 'nothing applied twice');
      // these events exist only in Redis: a rebuild from Postgres clears them and the mark
      assert.equal((await rebuildShop(env().sql, redis, deps.keys, s.shopId)).status, 'rebuilt');
      assert.equal(await exp(), null);
      assert.equal(await redis.hget(deps.keys.agg(s.shopId).meta, 'stuck'), null);
    });

    it('an event that cannot be applied stops only its shop: the gauge counts it, other shops flow, a rebuild clears it', async () => {
      const bad = await newShop();
      const other = await newShop();
      const product = await addProduct(other.shopId, 'Shirt', 10);
      await settled(bad.shopId);
      const { sql, redis, deps } = env();
      // written as a broken writer would: amounts no sum can hold exactly
      await sql.begin((tx) =>
        appendEvent(tx, bad.shopId, 'expense_created', 1, { amount_fils: 2 ** 60, expense_date: '2026-06-15', category_id: 1 }),
      );
      await until(async () => (await redis.hget(deps.keys.agg(bad.shopId).meta, 'stuck')) !== null, 10_000, 'the shop marked stuck');
      await until(async () => (await metric('tajir_aggregates_stuck_shops')) >= 1, 10_000, 'the gauge');
      const manager = await connect(other.manager);
      const events = record(manager);
      const bill = await post('/api/bills', { items: [{ product_id: product, quantity: 1 }] }, other.token);
      assert.equal(bill.status, 201);
      await until(() => events.some((e) => e.name === 'bill:created' && e.args[0].bill.id === bill.body.id), 10_000, "the other shop's push");
      assert.equal((await verifyShop(sql, redis, deps.keys, other.shopId)).differences.length, 0);
      // `aggregates rebuild --shop N`: the shop is exact again and flows
      await sql`delete from events where shop_id = ${bad.shopId} and kind = 'expense_created' and entity_id = 1`;
      await sql`update shop_counters set event_seq = event_seq - 1 where shop_id = ${bad.shopId}`;
      assert.equal((await rebuildShop(sql, redis, deps.keys, bad.shopId)).status, 'rebuilt');
      await until(async () => (await metric('tajir_aggregates_stuck_shops')) === 0, 10_000, 'the gauge back to 0');
      const badProduct = await addProduct(bad.shopId, 'Shirt', 10);
      assert.equal((await post('/api/bills', { items: [{ product_id: badProduct, quantity: 1 }] }, bad.token)).status, 201);
      await settled(bad.shopId);
      assert.equal((await verifyShop(sql, redis, deps.keys, bad.shopId)).differences.length, 0);
    });
  });

  describe('rebuilds in chunks', () => {
    it('splits a state into script calls of at most N values that put it back together', () => {
      const state = {
        a: { h: Object.fromEntries(Array.from({ length: 2501 }, (_, i) => [`f${i}`, String(i)])) },
        b: { z: { x: 1.5, y: 900719925474099 } },
        c: { h: {} },
      };
      const back: Record<string, Record<string, string>> = {};
      for (const chunk of chunks(state, 1000)) {
        assert.ok(chunk.reduce((n, [, , flat]) => n + flat.length / 2, 0) <= 1000, "chunk.reduce((n, [, , flat]) => n + flat.length / 2, 0) <= 1000");
        for (const [key, , flat] of chunk) {
          const into = back[key] ?? {};
          back[key] = into;
          for (let i = 0; i < flat.length; i += 2) into[flat[i]!] = flat[i + 1]!;
        }
      }
      assert.equal(Object.keys(back.a!).length, 2501);
      assert.deepEqual(back.b, { x: '1.5', y: '900719925474099' });
    });

    it('a rebuild written in many small calls is exact, and readers never saw a half-written state', async () => {
      const s = await newShop();
      const product = await addProduct(s.shopId, 'Abaya', 120);
      for (let i = 0; i < 5; i++) {
        assert.equal((await post('/api/bills', { items: [{ product_id: product, quantity: 1 + i }], customer: { phone: `+97150000${1000 + i}`, name: `C${i}` } }, s.token)).status, 201);
      }
      await settled(s.shopId);
      const { sql, redis, deps } = env();
      const before = (await get('/api/dashboard', s.token)).body;
      const rebuilt = rebuildShop(sql, redis, deps.keys, s.shopId, { chunk: 3 });
      // while it is written, a read is whole: from SQL until the seq is back, then the new state
      const during = (await get('/api/dashboard', s.token)).body;
      assert.equal((await rebuilt).status, 'rebuilt');
      assert.deepEqual(during, before);
      assert.deepEqual((await get('/api/dashboard', s.token)).body, before);
      assert.equal((await verifyShop(sql, redis, deps.keys, s.shopId)).differences.length, 0);
    });
  });

  describe('NOTIFY payloads', () => {
    it('parses the trigger form and shop lists, and refuses everything else without throwing', () => {
      assert.deepEqual(parseNotifyPayload('{"shop":3,"seq":9,"kind":"bill_created","entity_id":4,"payload":{}}'), {
        ok: true,
        wakes: [{ shopId: 3, event: { seq: 9, kind: 'bill_created', entity_id: 4, payload: {} } }],
      });
      assert.deepEqual(parseNotifyPayload('{"shop":3,"seq":"x"}'), { ok: true, wakes: [{ shopId: 3 }] }, 'a named shop is still woken');
      assert.deepEqual(parseNotifyPayload('4,5'), { ok: true, wakes: [{ shopId: 4 }, { shopId: 5 }] });
      for (const bad of ['', '{', '{"shop":"3"}', '{"shop":-1}', '{"shop":1e300}', 'null', '[1]', '1,,2', '1,x', `${'1,'.repeat(2000)}1`, '__proto__', '{"__proto__":{"shop":1}}']) {
        assert.equal(parseNotifyPayload(bad).ok, false, bad);
      }
      assert.equal(parseNotifyPayload(undefined).ok, false);
    });

    it('malformed payloads on the channel are ignored: the process lives and the next bill is applied and pushed', async () => {
      const { sql } = env();
      for (const payload of ['{not json', '{"shop":"x"}', '{"shop":987654321}', 'abc', '{"shop":1,"kind":"nope","seq":-5}', '9'.repeat(30)]) {
        await sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`;
      }
      const product = await addProduct(b.shopId, 'Kandura', 50);
      const manager = await connect(b.manager);
      const events = record(manager);
      const bill = await post('/api/bills', { items: [{ product_id: product, quantity: 1 }] }, b.token);
      await until(() => events.some((e) => e.name === 'bill:created' && e.args[0].bill.id === bill.body.id), 10_000, 'the push after garbage');
      assert.equal((await get('/healthz')).status, 200);
    });
  });

  describe('socket budgets', () => {
    it('a terminal flooding settings:ack gets error acks, costs at most a write a second, and is cut off as flooding', async () => {
      const { sql } = env();
      await sql`create table if not exists test_terminal_writes (n int)`;
      await sql`
        create or replace function test_count_terminal_write() returns trigger language plpgsql as $$
        begin insert into test_terminal_writes values (1); return null; end $$`;
      await sql`drop trigger if exists test_count_terminal_write on terminals`;
      await sql`create trigger test_count_terminal_write after update of settings_version_acked on terminals for each row execute function test_count_terminal_write()`;
      try {
        const [settings] = await sql<{ version: number }[]>`select version from shop_settings where shop_id = ${a.shopId}`;
        const version = settings!.version;
        const t = await connect(a.terminal);
        const events = record(t);
        const replies: any[] = [];
        const disconnected = new Promise<string>((resolve) => t.on('disconnect', (reason) => resolve(reason)));
        const flooded = performance.now();
        for (let i = 0; i < 2000 && t.connected; i++) t.emit('settings:ack', { version }, (r) => replies.push(r));
        assert.equal(await disconnected, 'io server disconnect');
        const seconds = (performance.now() - flooded) / 1000;
        const ended = events.find((e) => e.name === 'session:ended');
        assert.deepEqual(ended?.args[0], { reason: 'flooding' });
        const ok = replies.filter((r) => r.ok).length;
        const refused = replies.filter((r) => r.error?.code === 'rate_limited').length;
        // the burst of 20 and what the bucket refilled (10 a second) while the flood was read
        assert.ok(ok <= 20 + Math.ceil(10 * seconds), `${ok} acks accepted in ${seconds.toFixed(2)} s: the budget, not the flood`);
        assert.ok(refused > 0 && refused <= 60, `${refused} refused before the cut`);
        // the terminal may connect again, and then is as welcome as before; its ack resolves once a
        // write covers it, after every write the flood's accepted acks made
        const back = await connect(a.terminal);
        const reply = await new Promise<any>((resolve) => back.emit('settings:ack', { version }, resolve));
        assert.deepEqual(reply, { ok: true });
        // the accepted acks cost at most two writes (the first at once, the rest a second later), and this one at most one more
        const [writes] = await sql<{ n: number }[]>`select count(*)::int as n from test_terminal_writes`;
        const n = writes!.n;
        assert.ok(n >= 1 && n <= 3, `${n} writes`);
      } finally {
        await sql`drop trigger if exists test_count_terminal_write on terminals`;
        await sql`drop table if exists test_terminal_writes`;
      }
    });

    it('unknown events count against the budget too', async () => {
      const m = await connect(b.manager);
      const events = record(m);
      const replies: any[] = [];
      const disconnected = new Promise<void>((resolve) => m.on('disconnect', () => resolve()));
      for (let i = 0; i < 500 && m.connected; i++) (m as unknown as ClientSocket & { emit(e: string, ...a: unknown[]): void }).emit(`no-such-event-${i}`, i, (r: unknown) => replies.push(r));
      await disconnected;
      assert.deepEqual(events.find((e) => e.name === 'session:ended')?.args[0], { reason: 'flooding' });
      assert.ok(replies.every((r: any) => r.error.code === 'rate_limited'), "replies.every((r: any) => r.error.code === 'rate_limited')");
    });

    it('a terminal holds at most two sockets: the oldest is ended with too_many_sockets', async () => {
      const s = await newShop();
      const first = await connect(s.terminal);
      const firstEvents = record(first);
      const firstGone = new Promise<void>((resolve) => first.on('disconnect', () => resolve()));
      const second = await connect(s.terminal);
      const third = await connect(s.terminal);
      await firstGone;
      assert.deepEqual(firstEvents.find((e) => e.name === 'session:ended')?.args[0], { reason: 'too_many_sockets' });
      // the two newer ones are still served: each answers a round trip
      for (const sock of [second, third]) {
        const [s2] = await env().sql<{ version: number }[]>`select version from shop_settings where shop_id = ${s.shopId}`;
        assert.deepEqual(await new Promise((resolve) => sock.emit('settings:ack', { version: s2!.version }, resolve)), { ok: true });
      }
      assert.ok(second.connected && third.connected, "second.connected && third.connected");
    });

    it('refuses a frame larger than maxHttpBufferSize by closing that socket only', async () => {
      const m = openSocket(b.manager);
      await until(() => m.connected, 5000, 'connected');
      const gone = new Promise<void>((resolve) => m.on('disconnect', () => resolve()));
      m.emit('settings:ack', { version: 1, pad: 'x'.repeat(64 * 1024) } as never);
      await gone;
      const other = await connect(b.manager);
      assert.ok(other.connected, "other.connected");
    });
  });
});

describe('request bodies', () => {
  it('a body nested deeper than 32 levels is a 400 before it is parsed, with or without a token', async () => {
    const deep = `${'['.repeat(100_000)}1${']'.repeat(100_000)}`;
    for (const path of ['/api/auth/signup', '/api/expenses']) {
      const res = await call('POST', path, { raw: `{"items":${deep}}`, headers: { 'content-type': 'application/json' } });
      assert.ok([400, 401].includes(res.status), `${path}: ${res.status}`);
      if (path === '/api/auth/signup') assert.equal(res.body.error.details[0].message, 'nests deeper than 32 levels');
    }
    // brackets inside strings do not count
    const text = await call('POST', '/api/auth/login', { raw: JSON.stringify({ email: 'a@b.co', password: '['.repeat(150) }), headers: { 'content-type': 'application/json' } });
    assert.equal(text.status, 401);
  });
});
