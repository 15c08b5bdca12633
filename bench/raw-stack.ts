/**
 * The limit to compare bench/realtime.ts against (issue 20): the smallest program that takes the
 * service's live path with the same libraries, and nothing else.
 *
 *   node --import=tsx bench/raw-stack.ts [--sockets 5000] [--shops 50] [--rate 200] [--seconds 15] [--split] [--nice 19]
 *                                        [--dashboard-frame] [--probe]
 *
 * The server (this file again, as a child with `--serve ROLES`, started with `npm start`'s node
 * flags): POST /bill {shop} on uWebSockets.js (the service's loader, src/rest/http/uws.ts) inserts
 * a row with postgres.js; the row's trigger sends a NOTIFY carrying it; a LISTEN connection
 * receives it, does one Redis HINCRBY (ioredis) and emits `bill:created` with Socket.IO on uWS to
 * the shop's room. No authentication beyond reading the shop from the socket's token, no
 * validation, no Idempotency-Key, no rate limit, no aggregates, no dashboard. `--split` runs the
 * HTTP + insert part and the LISTEN + Redis + sockets part as two processes, as
 * `bench/realtime.ts --split` does with ROLES=api and ROLES=realtime,aggregator.
 *
 * The generator and the socket clients are bench/realtime.ts's own (bench/realtime-clients.ts):
 * the same 5,000 sockets over 50 shops, the same rate, the same measures — commit → socket
 * receipt (the commit stamped by PostgreSQL, support.ts stampCommits; and from the row's
 * created_at, its transaction's start), POST latency, CPU of the server processes per bill and
 * the machine's busy share.
 *
 * `--dashboard-frame` also sends each bill's second frame as the service does: a
 * `dashboard:update` in the managers' 'moved' form right behind `bill:created`, of the size the
 * service's is for such a bill (about 670 bytes, bench/realtime.ts prints it). It is not the
 * issue's raw stack (that one emits one event): it tells how much of the service's distance
 * from it is the second frame's fan-out, which on a two-core machine the co-located socket
 * clients pay for too (bench/RESULTS.md, issue 20, session of 2026-12-03 14:23 UTC).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { Server } from 'socket.io';
import { withDatabase } from '../src/db/client.ts';
import { askChild, type ClientsReport, commitToReceipt, forkClients, freePort, type Probe, probeReport, run, stampCommits, startFlags, startProbe, summary } from './support.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    shops: { type: 'string', default: '50' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '5' },
    'client-procs': { type: 'string', default: '2' },
    split: { type: 'boolean', default: false },
    /** also send the service's second frame per bill, a dashboard:update (see above) */
    'dashboard-frame': { type: 'boolean', default: false },
    /** also measure at a probe of one socket per shop at nice −10, as bench/realtime.ts's --probe */
    probe: { type: 'boolean', default: false },
    /** nice value of the socket client processes and this generator, as bench/realtime.ts's --nice */
    nice: { type: 'string', default: '0' },
    /** internal: run as the server with these roles ("http", "live" or "http,live") */
    serve: { type: 'string' },
    db: { type: 'string' },
    port: { type: 'string' },
  },
});

/** The server: one process, or one of the two halves. */
async function serve(roles: string, dbUrl: string, port: number, dashboardFrame: boolean): Promise<void> {
  const { default: uWS } = await import('../src/rest/http/uws.ts');
  const sql = postgres(dbUrl, { max: 10, onnotice: () => {} });
  const app = uWS.App();
  if (roles.includes('http')) {
    app.post('/bill', (res, _req) => {
      let aborted = false;
      res.onAborted(() => (aborted = true));
      const chunks: Buffer[] = [];
      res.onData((ab, last) => {
        chunks.push(Buffer.from(ab.slice(0)));
        if (!last) return;
        const { shop } = JSON.parse(Buffer.concat(chunks).toString()) as { shop: number };
        sql`insert into raw_bills (shop) values (${shop}) returning id, created_at`.then(
          ([row]) => {
            if (!aborted) res.cork(() => res.writeStatus('201 Created').writeHeader('Content-Type', 'application/json').end(JSON.stringify(row)));
          },
          (err: Error) => {
            if (!aborted) res.cork(() => res.writeStatus('500 Internal Server Error').end(err.message));
          },
        );
      });
    });
  }
  if (roles.includes('live')) {
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const prefix = `tajirbench:raw${process.ppid}:`;
    const io = new Server({ serveClient: false, pingInterval: 20_000, pingTimeout: 20_000 });
    io.attachApp(app);
    io.use((socket, next) => {
      // the socket's token is "shop:<id>"
      const token = String((socket.handshake.auth as { token?: string }).token ?? '');
      socket.data.shop = Number(token.split(':')[1]);
      next();
    });
    io.on('connection', (socket) => void socket.join(`shop:${socket.data.shop}`));
    await sql.listen('raw_bills', (payload) => {
      const row = JSON.parse(payload) as { id: number; shop: number; created_at: string };
      void redis.hincrby(`${prefix}${row.shop}`, 'bills', 1).then((n) => {
        io.to(`shop:${row.shop}`).emit('bill:created', { bill: { id: row.id, created_at: new Date(row.created_at).toISOString() } });
        if (dashboardFrame) io.to(`shop:${row.shop}`).emit('dashboard:update', dashboardUpdate(n, row.created_at));
      });
    });
  }
  app.get('/cpu', (res) => {
    const u = process.cpuUsage();
    res.end(JSON.stringify({ cpu_ms: (u.user + u.system) / 1000 }));
  });
  await new Promise<void>((resolve, reject) => app.listen('127.0.0.1', port, (t) => (t ? resolve() : reject(new Error(`cannot listen on ${port}`)))));
  console.log('raw stack is running');
  // run() exits when main resolves: the server runs until its parent ends it
  await new Promise(() => {});
}

/**
 * A dashboard:update in the 'moved' form as the service sends it after a bill of one line
 * (the shop's n-th bill of the day), with the same parts and about the same size.
 */
function dashboardUpdate(n: number, createdAt: string) {
  const date = createdAt.slice(0, 10);
  const month = date.slice(0, 7);
  const revenue = n * 15;
  const vat = Math.round(revenue * 4.7619) / 100;
  return {
    seq: n,
    prev_seq: n - 1,
    changes: {
      today: { date, revenue, bills: n, avg_bill: 15, vat, collected: 0, outstanding: revenue, expenses: 0 },
      month: { month, revenue, bills: n, vat, collected: 0, expenses: 0 },
      open_bills: n,
      outstanding: revenue,
      monthly: [{ month, revenue, expenses: 0, bills: n }],
      daily: [{ date, revenue, bills: n, collected: 0, expenses: 0 }],
      hourly: [{ hour: new Date(createdAt).getUTCHours(), revenue }],
      top_products: [{ product_id: 1, name: 'Wash', quantity: n, revenue }],
      top_products_by_quantity: [{ product_id: 1, name: 'Wash', quantity: n, revenue }],
    },
  };
}

function machineBusy(): () => number {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  return () => {
    const d = read().map((v, i) => v - a[i]!);
    const total = d.reduce((x, y) => x + y, 0);
    return 1 - (d[3]! + d[4]!) / total;
  };
}

async function main() {
  if (values.serve) return serve(values.serve, values.db!, Number(values.port), values['dashboard-frame']);
  const SOCKETS = Number(values.sockets);
  const SHOPS = Number(values.shops);
  const RATE = Number(values.rate);
  const SECONDS = Number(values.seconds);
  const CLIENT_PROCS = Number(values['client-procs']);
  const dbName = `tajir_bench_raw_${process.pid}`;
  const base = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';
  const dbUrl = withDatabase(base, dbName);
  const maint = postgres(withDatabase(base, 'postgres'), { max: 1, onnotice: () => {} });
  await maint`create database ${maint(dbName)}`;
  const admin = postgres(dbUrl, { max: 1, onnotice: () => {} });
  // the service's events trigger, reduced to the same act: NOTIFY with the row, in the transaction
  await admin.unsafe(`
    create table raw_bills (id bigint generated always as identity primary key, shop int not null, created_at timestamptz not null default now());
    create function raw_bills_notify() returns trigger language plpgsql as $$
    begin perform pg_notify('raw_bills', json_build_object('id', new.id, 'shop', new.shop, 'created_at', new.created_at)::text); return null; end $$;
    create trigger raw_bills_notify after insert on raw_bills for each row execute function raw_bills_notify();`);
  await stampCommits(admin, 'raw_bills');

  const servers: ChildProcess[] = [];
  process.on('exit', () => {
    for (const s of servers) s.kill('SIGKILL');
  });
  const start = async (roles: string) => {
    const port = await freePort();
    const child = spawn(process.execPath, [...startFlags(), 'bench/raw-stack.ts', '--serve', roles, '--db', dbUrl, '--port', String(port), ...(values['dashboard-frame'] ? ['--dashboard-frame'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers.push(child);
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    while (!out.includes('raw stack is running')) {
      if (child.exitCode !== null) throw new Error(`raw server (${roles}) exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return `http://127.0.0.1:${port}`;
  };
  const url = await start(values.split ? 'http' : 'http,live');
  const live = values.split ? await start('live') : url;
  const nice = Number(values.nice);
  if (nice) setPriority(nice);
  console.log(`raw stack: ${values.split ? 'two processes (http | listen+redis+sockets)' : 'one process'}; ${cpus().length} cores`);

  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const post = (shop: number) =>
    new Promise<{ id: number }>((resolve, reject) => {
      const data = JSON.stringify({ shop });
      const req = http.request(`${url}/bill`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(data);
    });
  const cpuOf = async () => {
    let ms = 0;
    for (const u of new Set([url, live])) ms += ((await (await fetch(`${u}/cpu`)).json()) as { cpu_ms: number }).cpu_ms;
    return ms;
  };
  const paced = async (n: number, onDone?: (id: number, sent: number) => void) => {
    const t0 = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const wait = t0 + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const sent = performance.now();
      // postgres.js answers a bigint as a string: the sockets see the NOTIFY's number
      pending.push(post(1 + (i % SHOPS)).then((b) => onDone?.(Number(b.id), sent)));
    }
    await Promise.all(pending);
  };
  const children: ChildProcess[] = [];
  try {
    await paced(RATE * Number(values.warmup));
    const tokens = Array.from({ length: SOCKETS }, (_, i) => `shop:${1 + (i % SHOPS)}`);
    const per = Math.ceil(SOCKETS / CLIENT_PROCS);
    const opened = await Promise.all(
      Array.from({ length: CLIENT_PROCS }, (_, k) => {
        const child = forkClients();
        children.push(child);
        if (nice) setPriority(child.pid!, nice);
        return askChild<{ connected: number; failed: number }>(child, { url: live, tokens: tokens.slice(k * per, (k + 1) * per) });
      }),
    );
    const probe: Probe | undefined = values.probe ? await startProbe(live, Array.from({ length: SHOPS }, (_, i) => `shop:${1 + i}`)) : undefined;
    const connected = opened.reduce((a, o) => a + o.connected, 0);
    await new Promise((r) => setTimeout(r, 2000));
    await Promise.all(children.map((c) => askChild(c, 'report'))); // resets the clients' loop-delay window
    await probe?.mark();
    const busy = machineBusy();
    const cpu0 = await cpuOf();
    const postLat: number[] = [];
    const ids = new Set<number>();
    await paced(RATE * SECONDS, (id, sent) => {
      ids.add(id);
      postLat.push(performance.now() - sent);
    });
    await new Promise((r) => setTimeout(r, 3000));
    const cpu1 = await cpuOf();
    const busyShare = busy();
    const reports = await Promise.all(
      children.map((c) => askChild<ClientsReport>(c, 'report')),
    );
    const received = new Map<number, number>();
    for (const r of reports) for (const [id, n] of r.receipts) received.set(id, (received.get(id) ?? 0) + n);
    const perShop = SOCKETS / SHOPS;
    let lost = 0;
    for (const id of ids) lost += Math.max(0, perShop - (received.get(id) ?? 0));
    // only the measured phase's bills (the warm-up's ended before the sockets connected)
    const lat = summary(reports.flatMap((r) => r.latencies).map((x) => Math.max(0, x)));
    console.log(`sockets connected: ${connected}/${SOCKETS} over ${SHOPS} shops; bills: ${ids.size} at ${RATE}/s for ${SECONDS}s; lost: ${lost}`);
    console.log(`row insert (created_at) → bill:created receipt on a socket (ms): ${JSON.stringify(lat)}`);
    const fromCommit = summary(await commitToReceipt(admin, reports.map((r) => r.receivedAt)));
    console.log(`commit → bill:created receipt on a socket (ms): ${JSON.stringify(fromCommit)}`);
    if (probe) {
      console.log(await probeReport(admin, probe));
      probe.close();
    }
    console.log(`POST /bill as the generator saw it (ms): ${JSON.stringify(summary(postLat))}`);
    const frames = reports.reduce((a, r) => ({ updates: a.updates + r.updates, updateBytes: a.updateBytes + r.updateBytes, billBytes: a.billBytes + r.billBytes }), { updates: 0, updateBytes: 0, billBytes: 0 });
    console.log(
      `frames per socket and bill: ${(1 + frames.updates / Math.max(1, lat.n)).toFixed(1)}; bytes per frame: bill:created ${(frames.billBytes / Math.max(1, lat.n)).toFixed(0)}` +
        (frames.updates ? `, dashboard:update ${(frames.updateBytes / frames.updates).toFixed(0)}` : ''),
    );
    console.log(`client processes' own event-loop delay p50/p99/max (ms): ${reports.map((r) => `${r.loop.p50.toFixed(1)}/${r.loop.p99.toFixed(1)}/${r.loop.max.toFixed(0)}`).join(', ')}`);
    console.log(`server CPU per bill: ${((cpu1 - cpu0) / ids.size).toFixed(2)} ms (${(((cpu1 - cpu0) / 1000 / (SECONDS + 3)) * 100).toFixed(0)}% of a core); machine busy: ${(busyShare * 100).toFixed(0)}% of ${cpus().length} cores`);
  } finally {
    for (const c of children) c.send('close');
    for (const s of servers) s.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await admin.end();
    await maint`drop database if exists ${maint(dbName)} with (force)`;
    await maint.end();
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const keys = await redis.keys(`tajirbench:raw${process.pid}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}

run(main);
