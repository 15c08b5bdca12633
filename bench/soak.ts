/**
 * Soak (issue 13, item 7): does anything grow while the service runs for a long time?
 *
 *   node --import=tsx bench/soak.ts [--minutes 30] [--window 5] [--rate 100] [--sockets 2000]
 *                                   [--shops 50] [--reconnect 10] [--split]
 *
 * Starts the service on a fresh database (every role in one process, or with --split the API
 * and the sockets+aggregator as two processes), connects `sockets` manager sockets (the socket
 * processes of bench/realtime-clients.ts), posts bills at `rate`/s for `minutes`, and every
 * minute closes and reopens `reconnect` % of the sockets. Per `window` minutes and per process:
 * RSS and heap used (at the window's end), event-loop delay p99 over the window, bill push p99
 * over the window (transaction start → bill:created emitted, from the push histogram: the
 * bucket's upper bound), and the Postgres pool in use (connections of that process busy in a
 * query, sampled every second: mean and max; and connections open; with --split, the two
 * processes together). The first window is
 * warm-up; after it every series should stay within 10 % of the second window's value.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createSql, withDatabase } from '../src/db/client.ts';
import { deleteRedisPrefix } from '../test/support/env.ts';
import { askChild, benchShops, forkClients, freePort, run, socketToken, startFlags, stopProcesses } from './support.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    window: { type: 'string', default: '5' },
    rate: { type: 'string', default: '100' },
    sockets: { type: 'string', default: '2000' },
    shops: { type: 'string', default: '50' },
    reconnect: { type: 'string', default: '10' },
    split: { type: 'boolean', default: false },
    'client-procs': { type: 'string', default: '2' },
  },
});
const MINUTES = Number(values.minutes);
const WINDOW_MS = Number(values.window) * 60_000;
const RATE = Number(values.rate);
const SOCKETS = Number(values.sockets);
const SHOPS = Number(values.shops);
const RECONNECT_PCT = Number(values.reconnect);
const CLIENT_PROCS = Number(values['client-procs']);

interface Proc {
  roles: string;
  url: string;
  child: ChildProcess;
}

const gauge = (text: string, name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? Number.NaN);

function buckets(text: string, name: string): Map<string, number> {
  return new Map(
    text
      .split('\n')
      .filter((l) => l.startsWith(`${name}_bucket`))
      .map((l) => [/le="([^"]+)"/.exec(l)![1]!, Number(l.split(' ').at(-1))]),
  );
}

/** p99 of a histogram between two scrapes: the upper bound of the bucket that holds it. */
function p99Between(before: string, after: string, name: string): string {
  const a = buckets(before, name);
  const b = [...buckets(after, name)].map(([le, n]) => [le, n - (a.get(le) ?? 0)] as const);
  const total = b.find(([le]) => le === '+Inf')?.[1] ?? 0;
  if (total === 0) return '–';
  const hit = b.find(([, n]) => n >= 0.99 * total);
  return hit ? (hit[0] === '+Inf' ? '>max' : `≤${Number(hit[0]) * 1000} ms`) : '–';
}

async function main() {
  const dbUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres', `tajir_bench_soak_${process.pid}`);
  const redisPrefix = `tajirbench:soak${process.pid}:`;
  const procs: Proc[] = [];
  const clients: ChildProcess[] = [];
  let stopping = false;
  process.on('exit', () => {
    for (const p of procs) p.child.kill('SIGKILL');
    for (const c of clients) c.kill('SIGKILL');
  });
  const startServer = async (roles: string): Promise<Proc> => {
    const port = await freePort();
    const child = spawn(process.execPath, [...startFlags(), 'src/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        ROLES: roles,
        REDIS_PREFIX: redisPrefix,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'error',
        TOKEN_LIMIT_PER_MINUTE: '10000000',
        SOCKET_HANDSHAKES_PER_IP: '1000000',
        LOGIN_LIMIT_PER_IP: '100000',
        SIGNUP_LIMIT_PER_IP: '100000',
        SIGNUP_LIMIT_PER_HOUR: '100000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (d) => {
      out = (out + d).slice(-20_000);
    });
    child.on('exit', (code, signal) => {
      if (!stopping) console.error(`server (${roles}) exited with ${code ?? signal}:\n${out.slice(-4000)}`);
    });
    while (!out.includes('Tajir POS is running')) {
      if (child.exitCode !== null) throw new Error(`server (${roles}) exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const p = { roles, url: `http://127.0.0.1:${port}`, child };
    procs.push(p);
    return p;
  };
  const api = await startServer(values.split ? 'api' : 'api,realtime,aggregator,worker');
  const live = values.split ? await startServer('realtime,aggregator') : api;
  const admin = createSql(dbUrl, { max: 2, applicationName: 'tajir-soak-admin' });

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (path: string, body: unknown, token?: string) =>
    new Promise<any>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        `${api.url}${path}`,
        { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data), ...(token ? { authorization: `Bearer ${token}` } : {}) } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString() || 'null')));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });

  try {
    const shops = await benchShops(post, admin, { count: SHOPS, socketsPerShop: SOCKETS / SHOPS, tag: 'soak' });

    const tokens = Array.from({ length: SOCKETS }, (_, i) => socketToken(shops, i));
    const per = Math.ceil(SOCKETS / CLIENT_PROCS);
    const opened = await Promise.all(
      Array.from({ length: CLIENT_PROCS }, (_, k) => {
        const child = forkClients();
        clients.push(child);
        return askChild<{ connected: number; failed: number }>(child, { url: live.url, tokens: tokens.slice(k * per, (k + 1) * per) });
      }),
    );
    console.log(`${opened.reduce((a, o) => a + o.connected, 0)} sockets connected (${opened.reduce((a, o) => a + o.failed, 0)} refused)`);
    console.log(`command: node --import=tsx bench/soak.ts ${process.argv.slice(2).join(' ')}`);

    // The service's Postgres connections, busy (not idle) and open, every second. Every process
    // names its pools alike (tajir, tajir-aggregator, ...), so with --split this is both together.
    const pool = { busy: [] as number[], open: 0 };
    const poolTimer = setInterval(async () => {
      const [r] = await admin<{ busy: number; open: number }[]>`
        select count(*) filter (where state <> 'idle')::int as busy, count(*)::int as open
        from pg_stat_activity
        where datname = current_database() and application_name like 'tajir%' and application_name <> 'tajir-soak-admin'`.catch(() => []);
      if (r) {
        pool.busy.push(r.busy);
        pool.open = r.open;
      }
    }, 1000);

    const rows: string[] = [];
    let windowStart = Date.now();
    let scrapes = new Map(await Promise.all(procs.map(async (p) => [p.roles, await (await fetch(`${p.url}/metrics`)).text()] as const)));
    /** failed POSTs by error code (or the transport error's code) */
    const failed = new Map<string, number>();
    const fail = (why: string) => failed.set(why, (failed.get(why) ?? 0) + 1);
    let sent = 0;
    const end = Date.now() + MINUTES * 60_000;
    let nextReconnect = Date.now() + 60_000;
    const start = performance.now();
    let windowNo = 0;
    while (Date.now() < end) {
      const due = start + (sent * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const shop = shops[sent % SHOPS]!;
      sent++;
      post('/api/bills', { items: [{ product_id: shop.product, quantity: 1 }] }, shop.token).then(
        (b) => {
          if (!b?.id) fail(String(b?.error?.code ?? 'no body'));
        },
        (err) => fail(String((err as NodeJS.ErrnoException).code ?? 'error')),
      );
      if (Date.now() >= nextReconnect) {
        nextReconnect += 60_000;
        const n = Math.round((per * RECONNECT_PCT) / 100);
        void Promise.all(clients.map((c) => askChild<{ connected: number; failed: number }>(c, { reconnect: n }))).then((r) => {
          const bad = r.reduce((a, x) => a + x.failed, 0);
          if (bad) console.log(`reconnect: ${bad} of ${n * clients.length} refused`);
        });
      }
      if (Date.now() - windowStart >= WINDOW_MS) {
        windowNo++;
        const now = new Map(await Promise.all(procs.map(async (p) => [p.roles, await (await fetch(`${p.url}/metrics`)).text()] as const)));
        for (const p of procs) {
          const text = now.get(p.roles)!;
          const mean = pool.busy.length ? pool.busy.reduce((a, b) => a + b, 0) / pool.busy.length : 0;
          const row = `| ${windowNo} | ${p.roles} | ${(gauge(text, 'process_resident_memory_bytes') / 2 ** 20).toFixed(0)} MiB | ${(gauge(text, 'nodejs_heap_size_used_bytes') / 2 ** 20).toFixed(0)} MiB | ${(gauge(text, 'tajir_event_loop_delay_p99_seconds') * 1000).toFixed(1)} ms | ${p99Between(scrapes.get(p.roles)!, text, 'tajir_bill_push_delay_seconds')} | ${mean.toFixed(1)} / ${Math.max(0, ...pool.busy)} of ${pool.open} |`;
          rows.push(row);
          console.log(row);
        }
        pool.busy = [];
        scrapes = now;
        windowStart = Date.now();
      }
    }
    clearInterval(poolTimer);
    await new Promise((r) => setTimeout(r, 2000));
    console.log(`\n${sent} bills posted; failed: ${JSON.stringify(Object.fromEntries(failed))}`);
    console.log('| window | process | RSS | heap used | event-loop p99 | push p99 | Postgres busy mean / max of open |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows) console.log(r);
  } finally {
    stopping = true;
    for (const c of clients) c.kill('SIGKILL');
    // the run's keys go once its servers are gone (a closing server still writes BullMQ's)
    await stopProcesses(procs.map((p) => p.child));
    await admin`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`.catch(() => {});
    await admin.end();
    const drop = createSql(withDatabase(dbUrl, 'postgres'), { max: 1 });
    await drop`drop database if exists ${drop(new URL(dbUrl).pathname.slice(1))} with (force)`;
    await drop.end();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await deleteRedisPrefix(redis, redisPrefix);
    redis.disconnect();
  }
}

run(main);
