/**
 * The measured inputs of docs/SCALING.md (issue 16): what one bill costs each engine, what an
 * idle socket costs a node, and what a shop's aggregates cost Redis.
 *
 *   node --import=tsx bench/scaling.ts [--bills 300] [--rate 20] [--idle 1000] [--history-bills 10950] [--nested]
 *
 * A private PostgreSQL cluster (with pg_stat_statements) and a private redis-server, the service
 * as `npm start` runs it (one process, every role) on them; one shop as the projection assumes it
 * (3 manager sockets and 2 terminal sockets), bills of 3 lines with a customer and a payment
 * posted at --rate per second. Per bill: PostgreSQL statements (round trips), transactions, rows
 * written, WAL bytes and execution time (--nested: the time of each statement inside the write
 * functions and triggers, to see where a bill's PostgreSQL time goes), across every process (API,
 * aggregator, workers); Redis commands by name
 * and Pub/Sub messages; Socket.IO frames each socket received. Then --idle idle manager sockets:
 * the service's RSS per socket. Then a shop with a year of history (`npm run seed`, --history-bills
 * over the last 365 days), rebuilt into Redis: its aggregates' memory, and PostgreSQL bytes per bill.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { io as connect, type Socket } from 'socket.io-client';
import { startPgCluster } from '../test/support/pg-cluster.ts';
import { freePort, startRedisServer } from '../test/support/redis-server.ts';
import { postBillWithRetries, type Remote, type RemoteShop, remote, remoteShop } from '../test/support/remote.ts';
import { startFlags } from './support.ts';

const { values } = parseArgs({
  options: {
    bills: { type: 'string', default: '300' },
    rate: { type: 'string', default: '20' },
    idle: { type: 'string', default: '1000' },
    'history-bills': { type: 'string', default: '10950' },
    /** count the statements inside functions and triggers too (pg_stat_statements.track = all), top 30 by time */
    nested: { type: 'boolean', default: false },
  },
});
const BILLS = Number(values.bills);
const RATE = Number(values.rate);
const IDLE = Number(values.idle);
const HISTORY_BILLS = Number(values['history-bills']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const pg = await startPgCluster();
const redisServer = await startRedisServer();
let service: ChildProcess | undefined;
const sockets: Socket[] = [];
try {
  {
    const admin = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
    await admin`alter system set shared_preload_libraries = 'pg_stat_statements'`;
    await admin`create database tajir`;
    await admin.end();
    await pg.restart();
    if (values.nested) {
      const again = postgres(pg.url('postgres'), { max: 1, onnotice: () => {} });
      await again`alter system set pg_stat_statements.track = 'all'`;
      await again`select pg_reload_conf()`;
      await again.end();
    }
  }
  const db = postgres(pg.url('tajir'), { max: 1, onnotice: () => {} });
  await db`create extension if not exists pg_stat_statements`;
  const redis = new Redis(redisServer.url);
  redis.on('error', () => {});
  const port = await freePort();
  let out = '';
  service = spawn(process.execPath, [...startFlags(), 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: pg.url('tajir'),
      REDIS_URL: redisServer.url,
      PORT: String(port),
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      TOKEN_LIMIT_PER_MINUTE: '1000000',
      SOCKET_HANDSHAKES_PER_IP: '1000000',
      LOGIN_LIMIT_PER_IP: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.stdout!.on('data', (d) => (out += d));
  service.stderr!.on('data', (d) => (out += d));
  await until('the service to start', () => out.includes('Tajir POS is running'), 60_000);
  const url = `http://127.0.0.1:${port}`;
  const api: Remote = remote(url);
  const shop: RemoteShop = await remoteShop(api, 'scaling');
  const products = [shop.productId];
  for (const name of ['Shirt', 'Trousers']) {
    const types = (await api.call('GET', '/api/product-types', { token: shop.token })).body.items;
    products.push((await api.call('POST', '/api/products', { token: shop.token, body: { type_id: types[0].id, name, rate: 40 } })).body.id);
  }

  // the shop as projected: 3 managers' dashboards and 2 terminals
  const frames = new Map<string, number>();
  const open = (token: string, count: boolean) =>
    new Promise<Socket>((resolve, reject) => {
      const s = connect(url, { auth: { token }, transports: ['websocket'], reconnection: false });
      if (count) s.onAny((event: string) => frames.set(event, (frames.get(event) ?? 0) + 1));
      s.once('connect', () => resolve(s));
      s.once('connect_error', reject);
      sockets.push(s);
    });
  for (let i = 0; i < 3; i++) await open(shop.token, true);
  for (let i = 0; i < 2; i++) {
    const t = await api.call('POST', '/api/terminals', { token: shop.token, body: { name: `Counter ${i + 1}` } });
    await open(t.body.token, true);
  }
  const bill = (i: number) => ({
    items: products.map((id, j) => ({ product_id: id, quantity: 1 + ((i + j) % 3) })),
    customer: { phone: `+97150${String(1000000 + (i % 500))}`, name: `Customer ${i % 500}` },
    payments: [{ amount: 10, method: 'Cash' }],
  });
  // warm-up: customers exist, caches filled, prepared statements made
  for (let i = 0; i < 30; i++) await postBillWithRetries(api, shop, Date.now() + 30_000, bill(i));
  await sleep(1000);

  // the measured window
  const lsn0 = (await db<{ l: string }[]>`select pg_current_wal_lsn()::text as l`)[0]!.l;
  const [st0] = await db<{ x: number; i: number; u: number; d: number }[]>`
    select xact_commit::int as x, tup_inserted::int as i, tup_updated::int as u, tup_deleted::int as d from pg_stat_database where datname = 'tajir'`;
  await db`select pg_stat_statements_reset()`;
  await redis.config('RESETSTAT');
  frames.clear();
  const started = Date.now();
  for (let i = 0; i < BILLS; i++) {
    const due = started + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    const ack = await postBillWithRetries(api, shop, Date.now() + 30_000, bill(i + 30));
    if (!ack) throw new Error('a bill was not acknowledged');
  }
  await until('every socket to have every bill', () => (frames.get('bill:created') ?? 0) >= 3 * BILLS, 30_000);
  await sleep(1500); // the last coalesced updates and the sweep
  const stats = await db<{ calls: number; rows: number; wal: number; ms: number; query: string }[]>`
    select sum(calls)::int as calls, sum(rows)::int as rows, sum(wal_bytes)::float8 as wal, sum(total_exec_time)::float8 as ms, query
    from pg_stat_statements s join pg_database d on d.oid = s.dbid
    where d.datname = 'tajir' and query not like '%pg_stat%' and query not like '%pg_current_wal_lsn%'
    group by query order by 1 desc`;
  const [st1] = await db<{ x: number; i: number; u: number; d: number }[]>`
    select xact_commit::int as x, tup_inserted::int as i, tup_updated::int as u, tup_deleted::int as d from pg_stat_database where datname = 'tajir'`;
  const wal = (await db<{ b: number }[]>`select pg_wal_lsn_diff(pg_current_wal_lsn(), ${lsn0}::pg_lsn)::float8 as b`)[0]!.b;
  const commandstats = await redis.info('commandstats');
  const seconds = (Date.now() - started) / 1000;
  const commands = [...commandstats.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)]
    .map(([, name, calls]) => ({ name: name!, calls: Number(calls) }))
    .filter((c) => !['config', 'info'].includes(c.name))
    .sort((a, b) => b.calls - a.calls);
  const per = (n: number) => (n / BILLS).toFixed(2);
  const statements = stats.reduce((s, r) => s + r.calls, 0);
  const pubsub = commands.filter((c) => c.name === 'spublish' || c.name === 'publish').reduce((s, c) => s + c.calls, 0);
  const redisCalls = commands.reduce((s, c) => s + c.calls, 0);
  const lines: string[] = [];
  const say = (s: string) => {
    lines.push(s);
    process.stdout.write(`${s}\n`);
  };
  say(`${BILLS} bills of 3 lines with a customer and a payment at ${RATE}/s over ${seconds.toFixed(1)} s; 3 manager and 2 terminal sockets`);
  say('');
  say('| per bill | value |');
  say('|---|---|');
  say(`| PostgreSQL statements (round trips), every process | ${per(statements)} |`);
  say(`| PostgreSQL transactions committed | ${per(st1!.x - st0!.x)} |`);
  say(`| rows inserted / updated / deleted | ${per(st1!.i - st0!.i)} / ${per(st1!.u - st0!.u)} / ${per(st1!.d - st0!.d)} |`);
  say(`| WAL bytes | ${Math.round(wal / BILLS)} |`);
  // parse, plan and commit are not in it; with --nested a function's statements count twice (in it and on their own)
  if (!values.nested) say(`| PostgreSQL execution time, ms (pg_stat_statements, statements sent) | ${(stats.reduce((t, r) => t + r.ms, 0) / BILLS).toFixed(3)} |`);
  say(`| Redis commands | ${per(redisCalls)} |`);
  say(`| Pub/Sub messages (SPUBLISH) | ${per(pubsub)} |`);
  for (const [event, n] of [...frames.entries()].sort((a, b) => b[1] - a[1])) say(`| Socket.IO frames \`${event}\`, all 5 sockets | ${per(n)} |`);
  say('');
  say(`Redis commands per bill by name: ${commands.slice(0, 12).map((c) => `${c.name} ${per(c.calls)}`).join(', ')}`);
  say('');
  say(values.nested ? 'PostgreSQL statements per bill, those inside functions and triggers too, top 30 by time:' : 'PostgreSQL statements per bill, top 12:');
  for (const r of values.nested ? [...stats].sort((a, b) => b.ms - a.ms).slice(0, 30) : stats.slice(0, 12)) say(`- ${per(r.calls)} × \`${r.query.replace(/\s+/g, ' ').slice(0, 110)}\`, ${(r.ms / r.calls).toFixed(3)} ms each`);

  // idle sockets: the service's RSS per socket
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${service!.pid}/status`, 'utf8'))?.[1]) * 1024;
  global.gc?.();
  await sleep(2000);
  const rss0 = rss();
  const idle: Socket[] = [];
  for (let i = 0; i < IDLE; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, IDLE - i) }, () => open(shop.token, false).then((s) => idle.push(s))));
  }
  await sleep(5000);
  const rss1 = rss();
  say('');
  say(`${IDLE} idle manager sockets: service RSS ${(rss0 / 2 ** 20).toFixed(0)} → ${(rss1 / 2 ** 20).toFixed(0)} MiB, ${((rss1 - rss0) / IDLE / 1024).toFixed(1)} KiB per socket`);
  for (const s of idle) s.disconnect();

  // a shop with a year of history: its Redis aggregates and its PostgreSQL bytes per bill
  const size0 = (await db<{ b: number }[]>`select pg_database_size('tajir')::float8 as b`)[0]!.b;
  const env = { ...process.env, DATABASE_URL: pg.url('tajir'), REDIS_URL: redisServer.url, LOG_LEVEL: 'warn' };
  await cli(['src/cli/seed.ts', '--shops', '1', '--customers', '2000', '--products', '40', '--bills', String(HISTORY_BILLS)], env);
  const size1 = (await db<{ b: number }[]>`select pg_database_size('tajir')::float8 as b`)[0]!.b;
  const [seeded] = await db<{ id: number; bills: number; first: string; last: string }[]>`
    select s.id, count(b.id)::int as bills, min(b.created_at)::date::text as first, max(b.created_at)::date::text as last
    from shops s join bills b on b.shop_id = s.id where s.id <> ${shop.shopId} group by s.id order by s.id desc limit 1`;
  const base = `tajir:{shop:${seeded!.id}}`;
  // the service's sweep rebuilds a shop it finds missing in Redis; the CLI does it at once
  // unless the sweep got there first ("busy")
  await cli(['src/cli/aggregates.ts', 'rebuild', '--shop', String(seeded!.id)], env).catch((err: Error) => {
    if (!/busy/.test(err.message)) throw err;
  });
  await until(
    'the seeded shop to be rebuilt',
    async () => {
      const [c] = await db<{ seq: number }[]>`select event_seq::int as seq from shop_counters where shop_id = ${seeded!.id}`;
      return Number(await redis.hget(`${base}:meta`, 'seq')) === (c?.seq ?? 0) && (await redis.hget(`${base}:meta`, 'rebuilding')) === null;
    },
    300_000,
  );
  const keys = await redis.smembers(`${base}:keys`);
  let bytes = 0;
  const groups = new Map<string, { keys: number; bytes: number }>();
  for (const k of [...keys, `${base}:meta`, `${base}:keys`]) {
    const b = Number((await redis.memory('USAGE', k)) ?? 0);
    bytes += b;
    // d:YYYY-MM-DD → d, m:YYYY-MM → m, m:YYYY-MM:cust → m:cust, cus, loy, names, ...
    const suffix = k.slice(base.length + 1).replace(/^d:.*/, 'd (days)').replace(/^m:\d{4}-\d{2}$/, 'm (months)').replace(/^m:\d{4}-\d{2}:/, 'm:*:');
    const g = groups.get(suffix) ?? { keys: 0, bytes: 0 };
    g.keys++;
    g.bytes += b;
    groups.set(suffix, g);
  }
  say('');
  say(
    `A shop with ${seeded!.bills} bills from ${seeded!.first} to ${seeded!.last} (npm run seed, 2,000 customers, 40 products): ${keys.length} aggregate keys, ` +
      `${(bytes / 1024).toFixed(0)} KiB in Redis (MEMORY USAGE); the database grew ${((size1 - size0) / 2 ** 20).toFixed(1)} MiB, ` +
      `${Math.round((size1 - size0) / seeded!.bills)} bytes per bill with its lines, payments, events, customers and indexes`,
  );
  say(`Its Redis memory by key: ${[...groups.entries()].sort((a, b) => b[1].bytes - a[1].bytes).map(([name, g]) => `${name} ${g.keys} keys ${(g.bytes / 1024).toFixed(0)} KiB`).join(', ')}`);
  const [rows] = await db<{ bills: number; lines: number; events: number }[]>`
    select (select count(*) from bills where shop_id = ${seeded!.id})::int as bills, (select count(*) from bill_lines where shop_id = ${seeded!.id})::int as lines,
      (select count(*) from events where shop_id = ${seeded!.id})::int as events`;
  say(`Its rows: ${rows!.bills} bills, ${rows!.lines} lines, ${rows!.events} events`);
  process.stdout.write(`\n(${new Date().toISOString()}, ${lines.length} lines above for bench/RESULTS.md)\n`);
  await db.end();
  redis.disconnect();
} finally {
  for (const s of sockets) s.disconnect();
  service?.kill('SIGTERM');
  await sleep(1000);
  redisServer.stop();
  await pg.destroy();
}

async function cli(args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  const child = spawn(process.execPath, ['--import=tsx', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`${args.join(' ')} failed (${code}): ${out.slice(-2000)}`);
}
