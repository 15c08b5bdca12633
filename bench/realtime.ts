/**
 * Live push at scale (issue: live push).
 *
 *   node --import=tsx bench/realtime.ts [--sockets 5000] [--shops 50] [--rate 200] [--seconds 15]
 *
 * Starts the service (src/main.ts, every role, one process) on a fresh database, connects
 * `sockets` manager sockets spread over `shops` shops, then posts bills over REST at `rate`/s
 * for `seconds`. Reports:
 * - commit → socket receipt of bill:created (p50/p95/p99), measured from the bill's created_at
 *   (the start of its transaction, a few ms before the commit, same clock) to the receipt;
 * - lost or duplicated bill:created per socket, and whether any socket saw a seq go backwards;
 * - dashboard:update messages per socket;
 * - server memory per idle socket (RSS before and after connecting, from /metrics);
 * - the same managers polling GET /api/dashboard every 5 s instead: requests/s, Postgres
 *   transactions/s and rows read during each mode (pg_stat_database), and how stale a poller is.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { io, type Socket } from 'socket.io-client';
import { createSql, withDatabase } from '../src/db/client.ts';
import { freePort, run, summary } from './support.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    shops: { type: 'string', default: '50' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
  },
});
const SOCKETS = Number(values.sockets);
const SHOPS = Number(values.shops);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);


async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/process_resident_memory_bytes (\d+)/.exec(text)?.[1] ?? 0);
}

async function main() {
  const port = await freePort();
  const dbName = `tajir_bench_rt_${process.pid}`;
  const dbUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres', dbName);
  const url = `http://127.0.0.1:${port}`;
  const server: ChildProcess = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      REDIS_PREFIX: `tajirbench:rt${process.pid}:`,
      SEED_DEMO: 'false',
      LOG_LEVEL: 'error',
      TOKEN_LIMIT_PER_MINUTE: '10000000',
      DB_POOL_SIZE: '20',
      SOCKET_HANDSHAKES_PER_IP: '1000000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  server.stdout!.on('data', (d) => (out += d));
  while (!out.includes('Tajir POS is running')) await new Promise((r) => setTimeout(r, 100));
  const admin = createSql(dbUrl, { max: 2 });
  const post = async (path: string, body: unknown, token?: string) => {
    const r = await fetch(url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    return (await r.json()) as any;
  };
  const sockets: Socket[] = [];
  try {
    const shops: { token: string; shopId: number; product: number }[] = [];
    for (let i = 0; i < SHOPS; i++) {
      const s = await post('/api/auth/signup', { shop_name: `RT ${i}`, email: `rt${i}-${process.pid}@bench.tajir`, password: 'bench-pass-1' });
      const [t] = await admin<{ id: number }[]>`insert into product_types (shop_id, name) values (${s.shop.id}, 'Service') returning id`;
      const [p] = await admin<{ id: number }[]>`insert into products (shop_id, type_id, name, rate_fils) values (${s.shop.id}, ${t!.id}, 'Wash', 1500) returning id`;
      shops.push({ token: s.token, shopId: s.shop.id, product: p!.id });
    }
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = await rss(url);

    const received = new Map<number, number>(); // per bill id: number of receipts
    const latencies: number[] = [];
    const committedAt = new Map<number, number>();
    let updates = 0;
    let backwards = 0;
    for (let i = 0; i < SOCKETS; i++) {
      const shop = shops[i % SHOPS]!;
      const s = io(url, { auth: { token: shop.token }, transports: ['websocket'], forceNew: true, reconnection: true });
      let lastSeq = 0;
      s.on('bill:created', (m: { seq: number; bill: { id: number; created_at: string } }) => {
        received.set(m.bill.id, (received.get(m.bill.id) ?? 0) + 1);
        // measured from the bill's own timestamp (the start of its transaction, on this machine's
        // clock): the bench's event loop, busy receiving, would delay the POST response it could
        // otherwise measure from
        latencies.push(Date.now() - Date.parse(m.bill.created_at));
      });
      s.on('dashboard:update', (m: { seq: number }) => {
        updates++;
        if (m.seq <= lastSeq) backwards++;
        lastSeq = m.seq;
      });
      sockets.push(s);
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 50));
    }
    const t0 = Date.now();
    while (sockets.some((s) => !s.connected) && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    const connectedCount = sockets.filter((s) => s.connected).length;
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = await rss(url);

    const stat = async () =>
      (await admin<{ x: number; r: number }[]>`select xact_commit::bigint as x, tup_returned::bigint + tup_fetched::bigint as r from pg_stat_database where datname = current_database()`)[0]!;

    // push mode
    const before = await stat();
    const total = RATE * SECONDS;
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const shop = shops[i % SHOPS]!;
      pending.push(
        post('/api/bills', { items: [{ product_id: shop.product, quantity: 1 }] }, shop.token).then((b) => {
          committedAt.set(b.id, performance.now());
        }),
      );
    }
    await Promise.all(pending);
    await new Promise((r) => setTimeout(r, 3000));
    const after = await stat();
    const perShop = SOCKETS / SHOPS;
    let lost = 0;
    let dup = 0;
    for (const id of committedAt.keys()) {
      const n = received.get(id) ?? 0;
      if (n < perShop) lost += perShop - n;
      if (n > perShop) dup += n - perShop;
    }
    const lat = summary(latencies.map((x) => Math.max(0, x)));
    console.log(`sockets connected: ${connectedCount}/${SOCKETS} over ${SHOPS} shops; bills: ${committedAt.size} at ${RATE}/s for ${SECONDS}s`);
    console.log(`bill transaction start → bill:created receipt on a socket (ms): ${JSON.stringify(lat)}`);
    console.log(`lost: ${lost}, duplicated: ${dup}, seq going backwards: ${backwards}, dashboard:update per socket: ${(updates / SOCKETS).toFixed(1)} for ${(committedAt.size / SHOPS).toFixed(0)} bills per shop`);
    console.log(`server RSS idle: ${(rssBefore / 2 ** 20).toFixed(0)} MiB → ${(rssAfter / 2 ** 20).toFixed(0)} MiB with ${connectedCount} sockets = ${((rssAfter - rssBefore) / connectedCount / 1024).toFixed(1)} KiB per idle socket`);
    console.log(`push mode, Postgres: ${((after.x - before.x) / SECONDS).toFixed(0)} xact/s, ${((after.r - before.r) / SECONDS).toFixed(0)} rows read/s (bills being written included)`);

    for (const s of sockets) s.disconnect();
    // polling mode: the same managers poll GET /api/dashboard every 5 s (1 request per 5 s each), with the same bills flowing
    const pollSeconds = Math.max(10, SECONDS);
    const pBefore = await stat();
    let polls = 0;
    const staleness: number[] = [];
    const pollStart = performance.now();
    // staleness is per client: client k polls every 5 s; a sample of clients (two per shop) is tracked
    const tracked = new Set(Array.from({ length: Math.min(SOCKETS, SHOPS * 2) }, (_, i) => i));
    const lastSeenBy = new Map<number, number>();
    const billsAt: { shop: number; at: number; n: number }[] = [];
    const billCount = new Map<number, number>();
    const pollers = (async () => {
      const deadline = performance.now() + pollSeconds * 1000;
      let k = 0;
      while (performance.now() < deadline) {
        const due = pollStart + (k * 5000) / SOCKETS;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const client = k % SOCKETS;
        const shop = shops[client % SHOPS]!;
        k++;
        void fetch(`${url}/api/dashboard`, { headers: { authorization: `Bearer ${shop.token}` } })
          .then((r) => r.json() as Promise<{ today: { bills: number } }>)
          .then((d) => {
            polls++;
            if (!tracked.has(client)) return;
            const now = performance.now();
            const seen = d.today.bills;
            const prev = lastSeenBy.get(client);
            if (prev !== undefined && seen > prev) {
              for (const b of billsAt) if (b.shop === shop.shopId && b.n > prev && b.n <= seen) staleness.push(now - b.at);
            }
            lastSeenBy.set(client, seen);
          })
          .catch(() => {});
      }
    })();
    const billFlow = (async () => {
      const n = (RATE * pollSeconds) / 4; // a quarter of the rate: the pollers are the load here
      for (let i = 0; i < n; i++) {
        const due = pollStart + (i * 4000) / RATE;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        const shop = shops[i % SHOPS]!;
        await post('/api/bills', { items: [{ product_id: shop.product, quantity: 1 }] }, shop.token);
        const c = (billCount.get(shop.shopId) ?? (await (await fetch(`${url}/api/dashboard`, { headers: { authorization: `Bearer ${shop.token}` } })).json() as any).today.bills - 1) + 1;
        billCount.set(shop.shopId, c);
        billsAt.push({ shop: shop.shopId, at: performance.now(), n: c });
      }
    })();
    await Promise.all([pollers, billFlow]);
    const pAfter = await stat();
    console.log(`poll mode: ${(polls / pollSeconds).toFixed(0)} GET /api/dashboard/s; Postgres: ${((pAfter.x - pBefore.x) / pollSeconds).toFixed(0)} xact/s, ${((pAfter.r - pBefore.r) / pollSeconds).toFixed(0)} rows read/s; staleness of a poller (ms): ${JSON.stringify(summary(staleness))}`);
  } finally {
    for (const s of sockets) s.disconnect();
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1500));
    await admin.end();
    const a = createSql(withDatabase(dbUrl, 'postgres'), { max: 1 });
    await a`drop database if exists ${a(dbName)} with (force)`;
    await a.end();
  }
}

run(main);
