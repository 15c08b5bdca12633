/**
 * Live push at scale (issue: live push).
 *
 *   node --import=tsx bench/realtime.ts [--sockets 5000] [--shops 50] [--rate 200] [--seconds 15]
 *
 * Starts the service on a fresh database — with the node flags of `npm start`
 * (package.json), plus `--node-flags` for experiments — every role in one process, or with
 * `--split` as two processes; connects
 * `sockets` manager sockets spread over `shops` shops, then posts bills over REST at `rate`/s
 * for `seconds`. Reports:
 * - commit → socket receipt of bill:created (p50/p95/p99): from the moment the bill's
 *   transaction commits (stamped by PostgreSQL, support.ts stampCommits) to the receipt, and also
 *   from the bill's created_at, which the service takes when it handles the request, so that
 *   figure adds the request's own path up to the commit (same clock for all three);
 * - lost or duplicated bill:created per socket, and whether any socket saw a seq go backwards;
 * - dashboard:update messages per socket;
 * - server memory per idle socket (RSS before and after connecting, from /metrics);
 * - the service's CPU time per bill over the push phase (process_cpu_seconds_total of every
 *   service process, divided by the bills; issue 20), and each service process's event-loop
 *   delay over it (p50/p99/max);
 * - the same managers polling GET /api/dashboard every 5 s instead: requests/s, Postgres
 *   transactions/s and rows read during each mode (pg_stat_database), and how stale a poller is.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { setPriority } from 'node:os';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createSql, withDatabase } from '../src/db/client.ts';
import { deleteRedisPrefix, dropDatabase } from '../test/support/env.ts';
import { askChild, benchShops, type ClientsReport, commitToReceipt, forkClients, freePort, type Probe, probeReport, run, socketToken, startProbe, stampCommits, startFlags, stopProcesses, summary } from './support.ts';

const { values } = parseArgs({
  options: {
    sockets: { type: 'string', default: '5000' },
    shops: { type: 'string', default: '50' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '15' },
    'client-procs': { type: 'string', default: '2' },
    /** a directory: write the server's CPU profile there (node --cpu-prof) */
    profile: { type: 'string' },
    /** skip the polling comparison (when profiling the push path) */
    'skip-poll': { type: 'boolean', default: false },
    /** run the API and the sockets+aggregator as two processes (ROLES), as a two-core host would */
    split: { type: 'boolean', default: false },
    /** seconds of bills at the same rate before the sockets connect (JIT, pools, caches) */
    warmup: { type: 'string', default: '5' },
    /** extra node flags for the service's processes, e.g. "--max-semi-space-size=64" (experiments) */
    'node-flags': { type: 'string', default: '' },
    /** nice value of the socket client processes and this generator (0 = same as the server) */
    nice: { type: 'string', default: '0' },
    /** also measure at a probe: one owner socket per shop in a process at nice −10 (support.ts startProbe) */
    probe: { type: 'boolean', default: false },
    /** a path prefix: append each server process's stdout to PREFIX.<roles> (with --node-flags=--trace-gc, say) */
    'server-log': { type: 'string' },
  },
});
const SOCKETS = Number(values.sockets);
const SHOPS = Number(values.shops);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const CLIENT_PROCS = Number(values['client-procs']);
const PROFILE = values.profile;
const SPLIT = values.split;
const WARMUP = Number(values.warmup);
const NICE = Number(values.nice);
const SERVER_LOG = values['server-log'];
/**
 * The service as deployed, then `--node-flags`: `npm start`'s node flags for one process; split,
 * the young generation README's "Configuration" gives split processes (32 MiB: 64, `npm start`'s, was
 * measured no better there and lengthens the API process's scavenges).
 */
const DEPLOYED_FLAGS = SPLIT ? startFlags().map((f) => (f.startsWith('--max-semi-space-size=') ? '--max-semi-space-size=32' : f)) : startFlags();
const NODE_FLAGS = [...DEPLOYED_FLAGS, ...values['node-flags'].split(/\s+/).filter(Boolean)];

/** CPU jiffies of the whole machine (/proc/stat) and per command name (/proc/<pid>/stat), for a breakdown of where the cores went. */
function cpuSnapshot(): { machine: number[]; byCommand: Map<string, number>; at: number } {
  const machine = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const byCommand = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const label = name === 'node' ? `node ${readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').find((a) => a.endsWith('.ts')) ?? ''}` : name;
      byCommand.set(label, (byCommand.get(label) ?? 0) + Number(f[11]) + Number(f[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  return { machine, byCommand, at: performance.now() };
}

function cpuReport(a: ReturnType<typeof cpuSnapshot>, b: ReturnType<typeof cpuSnapshot>): string {
  const hz = 100; // USER_HZ on Linux
  const secs = (b.at - a.at) / 1000;
  const d = b.machine.map((v, i) => v - a.machine[i]!);
  const total = d.reduce((x, y) => x + y, 0);
  const pct = (v: number) => `${((v / total) * 100).toFixed(0)}%`;
  // fields: user nice system idle iowait irq softirq steal
  const machine = `machine: user ${pct(d[0]! + d[1]!)}, system ${pct(d[2]!)}, softirq ${pct(d[6]!)}, idle ${pct(d[3]! + d[4]!)}`;
  const per = [...b.byCommand]
    .map(([k, v]) => [k, (v - (a.byCommand.get(k) ?? 0)) / hz / secs] as const)
    .filter(([, v]) => v >= 0.02)
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k.replace(/^node .*\//, 'node ')} ${(v * 100).toFixed(0)}%`)
    .join(', ');
  return `${machine} of 2 cores; by process (% of one core): ${per}`;
}

async function rss(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/process_resident_memory_bytes (\d+)/.exec(text)?.[1] ?? 0);
}

async function main() {
  const dbName = `tajir_bench_rt_${process.pid}`;
  const dbUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres', dbName);
  const servers: ChildProcess[] = [];
  let stopping = false;
  // however this process ends (an uncaught error included), its servers end with it: a server
  // left running with 5,000 sockets would skew every later run on this machine
  process.on('exit', () => {
    for (const server of servers) server.kill('SIGKILL');
  });
  /** Starts src/main.ts with the given roles; resolves with its URL once it says it runs. */
  console.log(`service: node ${NODE_FLAGS.join(' ')} src/main.ts${SPLIT ? ' as ROLES=api and ROLES=realtime,aggregator' : ', every role in one process'}`);
  const startServer = async (roles: string, profile: boolean) => {
    const port = await freePort();
    const server = spawn(process.execPath, [...NODE_FLAGS, ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE}`] : []), 'src/main.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        ROLES: roles,
        REDIS_PREFIX: `tajirbench:rt${process.pid}:`,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'error',
        TOKEN_LIMIT_PER_MINUTE: '10000000',
        DB_POOL_SIZE: process.env.DB_POOL_SIZE ?? '10',
        SOCKET_HANDSHAKES_PER_IP: '1000000',
        // every bench manager logs in from this one address
        LOGIN_LIMIT_PER_IP: '100000',
        SIGNUP_LIMIT_PER_IP: '100000',
        SIGNUP_LIMIT_PER_HOUR: '100000',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    servers.push(server);
    let out = '';
    server.stdout!.on('data', (d) => {
      out = (out + d).slice(-20_000);
      if (SERVER_LOG) appendFileSync(`${SERVER_LOG}.${roles}`, d);
    });
    server.on('exit', (code, signal) => {
      if (!stopping) console.error(`server (${roles}) exited with ${code ?? signal}; its last output:\n${out.slice(-4000)}`);
    });
    while (!out.includes('Tajir POS is running')) {
      if (server.exitCode !== null) throw new Error(`server (${roles}) exited: ${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return `http://127.0.0.1:${port}`;
  };
  // one process with every role (npm start), or with --split the API in one process and the
  // sockets with the aggregator (which pushes to them without a Redis hop) in another
  const url = await startServer(SPLIT ? 'api' : 'api,realtime,aggregator,worker', Boolean(PROFILE) && !SPLIT);
  const live = SPLIT ? await startServer('realtime,aggregator', Boolean(PROFILE)) : url;
  // The harness (this generator and the socket clients, forked below) may run below the server's
  // priority: on separate hosts it would not compete with the server at all, while on a shared
  // two-core box each message the server sends wakes a client process that preempts the sender.
  if (NICE) setPriority(NICE);
  const admin = createSql(dbUrl, { max: 2 });
  await stampCommits(admin, 'bills');
  // node:http with a keep-alive agent: fetch costs the generator several times more CPU per
  // request, and on two cores that CPU is taken from the server being measured
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  // A POST that meets a keep-alive connection the server has just closed (ECONNRESET, no
  // answer) is sent again. Without an idempotency key (as the figures before issue 20 were
  // taken, when a key added statements to every bill): were the first one ever committed, its
  // bill is simply not in `committedAt` and its receipts are not counted.
  const post = async (path: string, body: unknown, token?: string): Promise<any> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await postOnce(path, body, token);
      } catch (err) {
        if (attempt >= 3 || (err as NodeJS.ErrnoException).code !== 'ECONNRESET') throw err;
      }
    }
  };
  const postOnce = (path: string, body: unknown, token: string | undefined) =>
    new Promise<any>((resolve, reject) => {
      const data = JSON.stringify(body);
      const req = http.request(
        `${url}${path}`,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(data),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString())));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  try {
    const shops = await benchShops(post, admin, { count: SHOPS, socketsPerShop: SOCKETS / SHOPS, tag: 'rt' });
    // warm-up (not measured): JIT, connection pools, prepared statements, the dashboard cache
    const warm: Promise<unknown>[] = [];
    const warmStart = performance.now();
    for (let i = 0; i < RATE * WARMUP; i++) {
      const wait = warmStart + (i * 1000) / RATE - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const shop = shops[i % SHOPS]!;
      warm.push(post('/api/bills', { items: [{ product_id: shop.product, quantity: 1 }] }, shop.token));
    }
    await Promise.all(warm);
    await new Promise((r) => setTimeout(r, 1000));
    const rssBefore = await rss(live);
    const metricsText = async () => (await (await fetch(`${url}/metrics`)).text()) + (SPLIT ? await (await fetch(`${live}/metrics`)).text() : '');

    // the sockets live in CLIENT_PROCS child processes (bench/realtime-clients.ts), not in this one
    const tokens = Array.from({ length: SOCKETS }, (_, i) => socketToken(shops, i));
    const per = Math.ceil(SOCKETS / CLIENT_PROCS);
    const children: ChildProcess[] = [];
    const t0 = Date.now();
    const opened = await Promise.all(
      Array.from({ length: CLIENT_PROCS }, (_, k) => {
        const child = forkClients();
        children.push(child);
        if (NICE) setPriority(child.pid!, NICE);
        return askChild<{ connected: number; failed: number }>(child, { url: live, tokens: tokens.slice(k * per, (k + 1) * per) });
      }),
    );
    // the owners' tokens: a manager's would push one of its 20 sockets out (DOMAIN.md "Bounds")
    const probe: Probe | undefined = values.probe ? await startProbe(live, shops.map((s) => s.token)) : undefined;
    const connectedCount = opened.reduce((a, o) => a + o.connected, 0);
    console.log(`connected ${connectedCount} sockets in ${((Date.now() - t0) / 1000).toFixed(1)} s (${opened.reduce((a, o) => a + o.failed, 0)} refused)`);
    await new Promise((r) => setTimeout(r, 2000));
    const rssAfter = await rss(live);
    const committedAt = new Map<number, number>();
    const postLatencies: number[] = [];
    let failedPosts = 0;

    const stat = async () =>
      (await admin<{ x: number; r: number }[]>`select xact_commit::bigint as x, tup_returned::bigint + tup_fetched::bigint as r from pg_stat_database where datname = current_database()`)[0]!;

    // push mode
    const metricsBefore = await metricsText();
    const clientCpu = (await Promise.all(children.map((c) => askChild<{ cpu: NodeJS.CpuUsage }>(c, 'report')))).map((r) => r.cpu.user + r.cpu.system);
    const apiBefore = await (await fetch(`${url}/metrics`)).text();
    const liveBefore = SPLIT ? await (await fetch(`${live}/metrics`)).text() : apiBefore;
    const before = await stat();
    await probe?.mark();
    const cpuBefore = cpuSnapshot();
    const total = RATE * SECONDS;
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const shop = shops[i % SHOPS]!;
      const sent = performance.now();
      pending.push(
        post('/api/bills', { items: [{ product_id: shop.product, quantity: 1 }] }, shop.token).then(
          (b) => {
            committedAt.set(b.id, performance.now());
            postLatencies.push(performance.now() - sent);
          },
          (err) => {
            failedPosts++;
            if (failedPosts === 1) console.error(`a POST failed: ${(err as Error).message}`);
          },
        ),
      );
    }
    await Promise.all(pending);
    await new Promise((r) => setTimeout(r, 3000));
    const cpuAfter = cpuSnapshot();
    const after = await stat();
    // one scrape per process after the phase: each scrape restarts the loop-delay histogram
    const apiAfter = await (await fetch(`${url}/metrics`)).text();
    const liveAfter = SPLIT ? await (await fetch(`${live}/metrics`)).text() : apiAfter;
    const metricsAfter = apiAfter + (SPLIT ? liveAfter : '');
    /** a histogram's buckets during the push phase only: counts after minus counts before */
    const hist = (name: string, filter = '') => {
      const buckets = (text: string) =>
        new Map(
          text
            .split('\n')
            .filter((l) => l.startsWith(`${name}_bucket`) && l.includes(filter))
            .map((l) => [/le="([^"]+)"/.exec(l)![1]!, Number(l.split(' ').at(-1))]),
        );
      const a = buckets(metricsBefore);
      return [...buckets(metricsAfter)].map(([le, n]) => `≤${le}:${n - (a.get(le) ?? 0)}`).join(' ');
    };
    let serviceCpuSeconds = 0;
    const gauge = (text: string, name: string) => Number(text.split('\n').find((l) => l.startsWith(`${name} `))?.split(' ')[1] ?? Number.NaN);
    for (const [role, u, a, b] of SPLIT
      ? ([['api', url, apiBefore, apiAfter], ['realtime+aggregator', live, liveBefore, liveAfter]] as const)
      : ([['all roles', url, apiBefore, apiAfter]] as const)) {
      void u;
      const cpu = (gauge(b, 'process_cpu_seconds_total') - gauge(a, 'process_cpu_seconds_total')) / (SECONDS + 3);
      // GC pauses stop every push in flight in that process: the young generation's (minor) are the ones that add up
      const gc = (kind: string) => {
        const at = (text: string, what: string) => gauge(text, `nodejs_gc_duration_seconds_${what}{kind="${kind}"}`) || 0; // no line: none yet
        const d = (what: string) => at(b, what) - at(a, what);
        return d('count') === 0 ? `${kind} none` : `${kind} ${d('count')} × ${((d('sum') / d('count')) * 1000).toFixed(1)} ms`;
      };
      const cpuSeconds = gauge(b, 'process_cpu_seconds_total') - gauge(a, 'process_cpu_seconds_total');
      serviceCpuSeconds += cpuSeconds;
      // prom-client's loop-delay histogram restarts at every scrape: the one before the push phase began it
      const lag = (p: string) => (gauge(b, `nodejs_eventloop_lag_${p}_seconds`) * 1000).toFixed(1);
      console.log(
        `server process (${role}): CPU ${(cpu * 100).toFixed(0)}% of a core, ${((cpuSeconds * 1000) / committedAt.size).toFixed(2)} ms per bill; GC pauses: ${gc('minor')}, ${gc('major')}; event-loop delay p50/p99/max ${lag('p50')}/${lag('p99')}/${lag('max')} ms (prom-client samples every 10 ms: 10 is no delay)`,
      );
    }
    // issue 20: the service's CPU time (every process) over the push phase divided by the bills
    console.log(`service CPU per bill: ${((serviceCpuSeconds * 1000) / committedAt.size).toFixed(2)} ms (${committedAt.size} bills)`);
    console.log(`server: bill transaction start → bill:created emitted, cumulative counts (s): ${hist('tajir_bill_push_delay_seconds')}`);
    console.log(`server: POST /api/bills duration, cumulative counts (s): ${hist('http_request_duration_seconds', 'route="/api/bills",status="201"')}`);
    const reports = await Promise.all(
      children.map((c) => askChild<ClientsReport>(c, 'report')),
    );
    const latencies = reports.flatMap((r) => r.latencies);
    console.log(
      `client processes: CPU ${reports.map((r, k) => `${(((r.cpu.user + r.cpu.system - clientCpu[k]!) / 1e6 / (SECONDS + 3)) * 100).toFixed(0)}%`).join(', ')} of a core; their own event-loop delay p50/p99/max (ms): ${reports.map((r) => `${r.loop.p50.toFixed(1)}/${r.loop.p99.toFixed(1)}/${r.loop.max.toFixed(0)}`).join(', ')}`,
    );
    const received = new Map<number, number>();
    for (const r of reports) for (const [id, n] of r.receipts) received.set(id, (received.get(id) ?? 0) + n);
    const updates = reports.reduce((a, r) => a + r.updates, 0);
    const backwards = reports.reduce((a, r) => a + r.backwards, 0);
    const updateBytes = reports.reduce((a, r) => a + r.updateBytes, 0);
    const billBytes = reports.reduce((a, r) => a + r.billBytes, 0);
    const billFrames = reports.reduce((a, r) => a + r.latencies.length, 0);
    const gaps = reports.reduce((a, r) => a + r.gaps, 0);
    for (const c of children) c.send('close');
    const perShop = SOCKETS / SHOPS;
    let lost = 0;
    let dup = 0;
    for (const id of committedAt.keys()) {
      const n = received.get(id) ?? 0;
      if (n < perShop) lost += perShop - n;
      if (n > perShop) dup += n - perShop;
    }
    const lat = summary(latencies.map((x) => Math.max(0, x)));
    console.log(`sockets connected: ${connectedCount}/${SOCKETS} over ${SHOPS} shops; bills: ${committedAt.size} at ${RATE}/s for ${SECONDS}s (${failedPosts} POSTs failed)`);
    console.log(`bill's created_at (the request's handling) → bill:created receipt on a socket (ms): ${JSON.stringify(lat)}`);
    const fromCommit = summary(await commitToReceipt(admin, reports.map((r) => r.receivedAt)));
    console.log(`commit → bill:created receipt on a socket (ms): ${JSON.stringify(fromCommit)}`);
    if (probe) {
      console.log(await probeReport(admin, probe));
      probe.close();
    }
    console.log(`CPU during the push phase: ${cpuReport(cpuBefore, cpuAfter)}`);
    console.log(`POST /api/bills as the generator saw it (ms): ${JSON.stringify(summary(postLatencies))}`);
    console.log(`lost: ${lost}, duplicated: ${dup}, seq going backwards: ${backwards}, prev_seq gaps: ${gaps}, dashboard:update per socket: ${(updates / SOCKETS).toFixed(1)} for ${(committedAt.size / SHOPS).toFixed(0)} bills per shop`);
    console.log(
      `bytes per frame: dashboard:update ${(updateBytes / Math.max(1, updates)).toFixed(0)}, bill:created ${(billBytes / Math.max(1, billFrames)).toFixed(0)}; all frames over the push phase ${((updateBytes + billBytes) / 2 ** 20).toFixed(1)} MiB`,
    );
    const sample = reports.find((r) => r.sampleUpdate)?.sampleUpdate;
    if (sample) console.log(`a dashboard:update as a socket received it: ${sample}`);
    console.log(`server RSS idle: ${(rssBefore / 2 ** 20).toFixed(0)} MiB → ${(rssAfter / 2 ** 20).toFixed(0)} MiB with ${connectedCount} sockets = ${((rssAfter - rssBefore) / connectedCount / 1024).toFixed(1)} KiB per idle socket`);
    console.log(`push mode, Postgres: ${((after.x - before.x) / SECONDS).toFixed(0)} xact/s, ${((after.r - before.r) / SECONDS).toFixed(0)} rows read/s (bills being written included)`);

    if (values['skip-poll']) return;
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
    stopping = true;
    await stopProcesses(servers);
    await admin.end();
    await dropDatabase(dbUrl);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    await deleteRedisPrefix(redis, `tajirbench:rt${process.pid}:`);
    redis.disconnect();
  }
}

run(main);
