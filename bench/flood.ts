/**
 * Hostile tenant: a socket flood (issue 12, item 8).
 *
 *   node --import=tsx bench/flood.ts [--events 10000] [--rate 20] [--seconds 10] [--runs 1]
 *
 * Starts the service (src/main.ts with `npm start`'s flags, every role in one process) on a
 * database of its own. Shop V (the victim) posts `rate` bills/s from its terminal while one of its
 * managers listens on a socket; each phase lasts `seconds`:
 * - quiet: no flood;
 * - flood: one terminal of another shop emits `events` client events as fast as its socket
 *   takes them (settings:ack, dashboard:sync and unknown event names, in turn), starting one
 *   second into the phase.
 * Reports per phase: V's bill transaction start → bill:created receipt (ms; created_at is the
 * start of the bill's transaction, same clock), POST → receipt, POST /api/bills as V saw it, the
 * service's event-loop delay max (/metrics), the service's Postgres connections (pg_stat_activity
 * sampled every 20 ms: how often every pool connection was busy, i.e. queries waited for the
 * pool), and UPDATEs of `terminals` rows (pg_stat_user_tables.n_tup_upd: what settings:ack cost).
 * For the flood: events emitted before the server cut the socket off, when, with what reason,
 * and the acks it answered (ok / error code).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { io as connectIo, type Socket } from 'socket.io-client';
import { createSql, withDatabase } from '../src/db/client.ts';
import { startOwnTarget, type Target } from '../test/support/fuzz-target.ts';
import { run, summary } from './support.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '20' },
    seconds: { type: 'string', default: '10' },
    /** quiet/flood pairs, interleaved (the machine is shared: one pair can be noise) */
    runs: { type: 'string', default: '1' },
  },
});
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const RUNS = Number(values.runs);
const POOL = 10; // DB_POOL_SIZE's default, as deployed

async function api(base: string, method: string, path: string, body: unknown, token?: string): Promise<any> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

function socket(base: string, token: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connectIo(base, { auth: { token }, transports: ['websocket'], forceNew: true, reconnection: false });
    s.once('connect', () => resolve(s));
    s.once('connect_error', (err: Error & { data?: { code?: string } }) => reject(new Error(err.data?.code ?? err.message)));
  });
}

interface FloodResult {
  emitted: number;
  acked: Record<string, number>;
  cutOffAfterMs?: number;
  emittedBeforeCutOff?: number;
  reason?: string;
  serverEvents: string[];
  durationMs: number;
}

/** One socket emitting `n` events as fast as it takes them; stops at the server's disconnect. */
async function flood(base: string, token: string, n: number): Promise<FloodResult> {
  const s = await socket(base, token);
  const acked: Record<string, number> = {};
  const serverEvents: string[] = [];
  const ack = (r: any) => {
    const k = r?.ok ? 'ok' : r?.error?.code ? `error ${r.error.code}` : r?.dashboard ? 'ok (dashboard)' : 'other';
    acked[k] = (acked[k] ?? 0) + 1;
  };
  s.onAny((name: string) => serverEvents.push(name));
  const result: FloodResult = { emitted: 0, acked, serverEvents, durationMs: 0 };
  const start = performance.now();
  s.on('disconnect', (reason, description) => {
    if (reason === 'io client disconnect') return; // ours, at the end
    result.cutOffAfterMs = performance.now() - start;
    result.emittedBeforeCutOff = result.emitted;
    result.reason = `${reason}${description ? ` ${JSON.stringify(description).slice(0, 200)}` : ''}`;
  });
  const emitters = [
    () => s.emit('settings:ack', { version: 1 }, ack),
    () => s.emit('dashboard:sync', ack),
    () => s.emit(`no:such-event-${result.emitted % 7}`, { x: 1 }, ack),
  ];
  while (result.emitted < n && s.connected) {
    // a batch then a turn of the event loop: as fast as the socket takes them, and a disconnect is seen
    for (let i = 0; i < 50 && result.emitted < n; i++) emitters[result.emitted++ % emitters.length]!();
    await new Promise((r) => setImmediate(r));
    while (s.connected && (s.io.engine as any)?.writeBuffer?.length > 500) await new Promise((r) => setTimeout(r, 1));
  }
  result.durationMs = performance.now() - start;
  // the answers to what was sent (or the cut-off) arrive within a moment
  await new Promise((r) => setTimeout(r, 2000));
  s.disconnect();
  return result;
}

let lastTarget: Target | undefined;

async function main() {
  const dbName = `tajir_bench_flood_${process.pid}`;
  const databaseUrl = withDatabase(process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres', dbName);
  const target = await startOwnTarget({
    database: dbName,
    baseDatabaseUrl: databaseUrl,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `tajirbench:flood${process.pid}:`,
    jwtSecret: 'bench-secret-bench-secret-bench-secret-00',
    vars: { LOG_LEVEL: 'error', SOCKET_HANDSHAKES_PER_IP: '1000000' },
  });
  lastTarget = target;
  process.on('exit', () => void target.stop());
  const base = target.url;
  const admin = createSql(databaseUrl, { max: 2, applicationName: 'tajir-bench' });
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  try {
    const v = await api(base, 'POST', '/api/auth/signup', { shop_name: 'Victim', email: `victim-${process.pid}@bench.tajir`, password: 'bench-pass-1' });
    const type = await api(base, 'POST', '/api/product-types', { name: 'Service' }, v.token);
    const product = await api(base, 'POST', '/api/products', { type_id: type.id, name: 'Wash', rate: 15 }, v.token);
    const till = await api(base, 'POST', '/api/terminals', { name: 'Till' }, v.token);
    const f = await api(base, 'POST', '/api/auth/signup', { shop_name: 'Flooder', email: `flooder-${process.pid}@bench.tajir`, password: 'bench-pass-1' });
    const manager = await socket(base, v.token);
    const received = new Map<number, number>();
    manager.on('bill:created', (m: { bill: { id: number } }) => received.set(m.bill.id, Date.now()));

    const metricsMax = async () => {
      const text = await (await fetch(`${base}/metrics`)).text();
      return Number(/^tajir_event_loop_delay_max_seconds ([0-9.e+-]+)$/m.exec(text)?.[1] ?? Number.NaN) * 1000;
    };
    const postmasterStart = async () => String((await admin<{ t: string }[]>`select pg_postmaster_start_time()::text as t`)[0]?.t);
    const updates = async () =>
      Number((await admin<{ n: string }[]>`select n_tup_upd::text as n from pg_stat_user_tables where relname = 'terminals'`)[0]?.n ?? 0);

    const phase = async (name: string, withFlood: boolean) => {
      const bills: { id: number; postAt: number; postMs: number; createdAt: number }[] = [];
      let failed = 0;
      await metricsMax(); // resets the service's gauge
      const updBefore = await updates();
      const pgStart = await postmasterStart();
      loop.reset();
      const samples: number[] = [];
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          try {
            const [r] = await admin<{ active: number }[]>`
              select count(*) filter (where state <> 'idle')::int as active from pg_stat_activity
              where datname = current_database() and application_name = 'tajir' and pid <> pg_backend_pid()`;
            samples.push(r!.active);
          } catch {
            // a lost sample (PostgreSQL restarted under the bench by someone else): the run says so in its count
          }
          await new Promise((res) => setTimeout(res, 20));
        }
      })();
      let loopMax = 0;
      const scraper = setInterval(() => {
        void metricsMax().then((ms) => (loopMax = Math.max(loopMax, ms)));
      }, 1000);
      let floodResult: Promise<FloodResult> | undefined;
      const terminal = withFlood ? await api(base, 'POST', '/api/terminals', { name: `Flood ${name}` }, f.token) : undefined;
      const start = performance.now();
      const posts: Promise<void>[] = [];
      for (let i = 0; i < RATE * SECONDS; i++) {
        const wait = start + (i * 1000) / RATE - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        if (terminal && !floodResult && performance.now() - start >= 1000) floodResult = flood(base, terminal.token, EVENTS);
        const postAt = Date.now();
        const t0 = performance.now();
        posts.push(
          api(base, 'POST', '/api/bills', { items: [{ product_id: product.id, quantity: 1 }] }, till.token).then(
            (b) => void bills.push({ id: b.id, postAt, postMs: performance.now() - t0, createdAt: Date.parse(b.created_at) }),
            () => void failed++,
          ),
        );
      }
      await Promise.all(posts);
      const fr = await floodResult;
      await new Promise((r) => setTimeout(r, 1500));
      clearInterval(scraper);
      loopMax = Math.max(loopMax, await metricsMax());
      sampling = false;
      await sampler;
      await new Promise((r) => setTimeout(r, 1200)); // table statistics are flushed about once a second
      const updAfter = await updates();
      // PostgreSQL restarted under the bench (by someone else on a shared machine): say so, the phase is void
      const restarted = (await postmasterStart()) !== pgStart;
      const lost = bills.filter((b) => !received.has(b.id)).length;
      const commit = summary(bills.filter((b) => received.has(b.id)).map((b) => received.get(b.id)! - b.createdAt));
      const fromPost = summary(bills.filter((b) => received.has(b.id)).map((b) => received.get(b.id)! - b.postAt));
      const full = samples.filter((n) => n >= POOL).length;
      if (restarted) console.log(`\n[${name}] VOID: PostgreSQL restarted during this phase`);
      console.log(`\n[${name}] ${bills.length} bills of shop V at ${RATE}/s over ${SECONDS} s (${failed} failed, ${lost} bill:created not received)`);
      console.log(`  bill transaction start → bill:created (ms): ${JSON.stringify(commit)}`);
      console.log(`  POST sent → bill:created (ms): ${JSON.stringify(fromPost)}`);
      console.log(`  POST /api/bills (ms): ${JSON.stringify(summary(bills.map((b) => b.postMs)))}`);
      console.log(
        `  service: event-loop delay max ${loopMax.toFixed(0)} ms; Postgres connections busy (of ${POOL}): mean ${(samples.reduce((a, b) => a + b, 0) / Math.max(1, samples.length)).toFixed(2)}, max ${Math.max(0, ...samples)}, every one busy in ${full}/${samples.length} samples; terminals rows updated: ${updAfter - updBefore}`,
      );
      console.log(`  this process's event-loop delay max: ${(loop.max / 1e6).toFixed(0)} ms`);
      if (fr) {
        console.log(
          `  flood: ${fr.emitted} of ${EVENTS} events emitted in ${fr.durationMs.toFixed(0)} ms; ${fr.cutOffAfterMs === undefined ? 'never cut off' : `cut off after ${fr.emittedBeforeCutOff} events, ${fr.cutOffAfterMs.toFixed(0)} ms, reason: ${fr.reason}`}; acks: ${JSON.stringify(fr.acked)}; other server events: ${[...new Set(fr.serverEvents)].join(', ') || 'none'}`,
        );
      }
      return commit.p99;
    };

    // warm-up (not measured): JIT, pools, prepared statements
    for (let i = 0; i < 40; i++) await api(base, 'POST', '/api/bills', { items: [{ product_id: product.id, quantity: 1 }] }, till.token);
    const pairs: [number, number][] = [];
    for (let r = 0; r < RUNS; r++) pairs.push([await phase(`quiet ${r + 1}`, false), await phase(`flood ${r + 1}`, true)]);
    console.log(`\ncommit → socket p99 (ms), quiet vs flood: ${pairs.map(([q, fl]) => `${q} vs ${fl} (×${(fl / q).toFixed(2)})`).join('; ')}`);
    manager.disconnect();
  } finally {
    await admin.end();
    await target.stop();
    await target.dropData();
  }
}

run(async () => {
  try {
    await main();
  } catch (err) {
    if (lastTarget && !lastTarget.alive()) console.error(`the service died; its last output:\n${lastTarget.output().slice(-3000)}`);
    throw err;
  }
});
