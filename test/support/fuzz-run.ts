/**
 * One fuzz run (issue 12, item 7): every route's generated requests sent as the owner of shop A
 * while shop B's terminal posts bills, against a service started by fuzz-target.ts. It watches
 * for 5xx, slow or missing answers, a stalled or dead process, the service's own event-loop delay
 * (scraped from /metrics every second: the gauge resets at each scrape) and, at the end, checks
 * that shop B's aggregates are exact (`aggregates verify`). Used by test/fuzz.test.ts (a bounded
 * run) and bench/fuzz.ts (`npm run fuzz -- --cases N`): one code path for both.
 */
import { spawn } from 'node:child_process';
import type { Failure, FuzzReport } from './fuzz-report.ts';
import { type FuzzCase, generateCases, operationsOf } from './fuzz-requests.ts';
import { type Target, verifyAggregates } from './fuzz-target.ts';

export interface FuzzOptions {
  cases: number;
  seed: number;
  /** Only these case indexes (a replay of a reported failure). */
  only?: number[];
  /** Requests in flight at once. Default 1 (timings and a stall belong to one case). */
  concurrency?: number;
  /** A response slower than this is a failure. Default 2000. */
  slowMs?: number;
  /** No answer after this long: the request is abandoned and the process checked. Default 5000. */
  timeoutMs?: number;
  /** Shop B's bills per second. Default 4. */
  billsPerSecond?: number;
  log?: (line: string) => void;
  /** Called after each case with the cases run so far and the total (a terminal's progress bar). */
  progress?: (done: number, total: number) => void;
}

/** Operations never fuzzed: a GET /metrics would reset the event-loop gauge this run reads. */
const EXCLUDED = new Set(['GET /metrics']);
const FUZZ_PASSWORD = 'fuzz-pass-1';
const FORGED_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIiwicm9sZSI6Im93bmVyIiwic2hvcCI6MX0.forged';

type RequestOptions = { token?: string; body?: string; json?: unknown; timeoutMs?: number };

/**
 * One request; a connection error is tried once more on a new connection: fetch may reuse a
 * keep-alive connection the server has just closed. Only a second error is the server's.
 */
async function request(url: string, method: string, opts: RequestOptions = {}): Promise<{ status: number; text: string; ms: number }> {
  try {
    return await requestOnce(url, method, opts);
  } catch (err) {
    if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') throw err;
    return await requestOnce(url, method, opts);
  }
}

async function requestOnce(url: string, method: string, opts: RequestOptions): Promise<{ status: number; text: string; ms: number }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body = opts.body;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (body !== undefined) headers['content-type'] = 'application/json';
  const start = performance.now();
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) });
  const text = await res.text();
  return { status: res.status, text, ms: performance.now() - start };
}

async function must(url: string, method: string, json: unknown, token?: string): Promise<any> {
  const r = await request(url, method, { json, token });
  if (r.status >= 300) throw new Error(`fuzz set-up: ${method} ${url} answered ${r.status}: ${r.text.slice(0, 300)}`);
  return JSON.parse(r.text);
}

/** A shop of its own (owner token), with a few rows of each kind so that path ids reach real rows. */
async function seedShop(base: string, tag: string): Promise<{ token: string; shopId: number; userId: number; email: string; ids: number[]; productId: number }> {
  const email = `fuzz-${tag}-${process.pid}-${Date.now()}@fuzz.tajir`;
  const s = await must(`${base}/api/auth/signup`, 'POST', { shop_name: `Fuzz ${tag}`, email, password: FUZZ_PASSWORD });
  const token = s.token as string;
  const ids: number[] = [s.shop.id, s.user.id];
  const add = async (path: string, body: unknown) => {
    const r = await must(`${base}${path}`, 'POST', body, token);
    ids.push(r.id);
    return r;
  };
  const type = await add('/api/product-types', { name: 'Service' });
  const product = await add('/api/products', { type_id: type.id, name: 'Wash', rate: 15 });
  await add('/api/products', { type_id: type.id, name: 'Iron', rate: 5.5 });
  const customer = await add('/api/customers', { name: 'Fuzz Customer', phone: '+971501234567' });
  const employee = await add('/api/employees', { name: 'Fuzz Tailor' });
  const category = await add('/api/expense-categories', { name: 'Fuzz supplies' });
  await add('/api/expenses', { category_id: category.id, expense_date: '2026-11-01', amount: 100 });
  await add('/api/recurring-expenses', { category_id: category.id, amount: 10, frequency: 'monthly', start_date: '2026-01-01' });
  await add('/api/terminals', { name: 'Counter' });
  const bill = await add('/api/bills', { customer: { id: customer.id }, employee_id: employee.id, items: [{ product_id: product.id, quantity: 2 }] });
  await add('/api/bills', { items: [{ product_id: product.id, quantity: 1 }], payments: [{ amount: 1, method: 'Cash' }] });
  ids.push(bill.id);
  return { token, shopId: s.shop.id, userId: s.user.id, email, ids, productId: product.id };
}

/**
 * An idle process that measures its own event-loop delay: when it is late too, the cores were
 * taken (other processes on a shared machine), and a late service says nothing about the service.
 */
function startCanary(): { takeMax(): number; stop(): void } {
  const code =
    "const h = require('node:perf_hooks').monitorEventLoopDelay({ resolution: 10 }); h.enable();" +
    "setInterval(() => { process.stdout.write(h.max / 1e6 + '\\n'); h.reset(); }, 250);";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  let max = 0;
  child.stdout!.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line) max = Math.max(max, Number(line));
  });
  return {
    takeMax() {
      const m = max;
      max = 0;
      return m;
    },
    stop: () => void child.kill(),
  };
}

export async function runFuzz(target: Target, opts: FuzzOptions): Promise<FuzzReport> {
  const log = opts.log ?? (() => {});
  const slowMs = opts.slowMs ?? 2000;
  const timeoutMs = opts.timeoutMs ?? 5000;
  const concurrency = opts.concurrency ?? 1;
  const base = target.url;

  const doc = JSON.parse((await request(`${base}/openapi.json`, 'GET')).text);
  const ops = operationsOf(doc, EXCLUDED);
  const a = await seedShop(base, 'a');
  const b = await seedShop(base, 'b');
  const terminal = await must(`${base}/api/terminals`, 'POST', { name: 'Till B' }, b.token);

  // shop B's terminal posts bills for the whole run
  const billB = { items: [{ product_id: b.productId, quantity: 1 }] };
  const bIds: number[] = [];
  for (let i = 0; i < 3; i++) bIds.push((await must(`${base}/api/bills`, 'POST', billB, terminal.token)).id);
  // Cases may end owner A's session (logout, logout-all, a reset of its own password): a second
  // owner, whose id no case is given, lets the run set the password back and sign in again. It is
  // made before the ids are chosen so that its id can be left out of them (the constant low ids
  // below would otherwise reach it: a case could deactivate it or reset its password).
  const spareEmail = `fuzz-spare-${process.pid}-${Date.now()}@fuzz.tajir`;
  const spare = await must(`${base}/api/users`, 'POST', { email: spareEmail, password: FUZZ_PASSWORD, name: 'Spare', role: 'manager' }, a.token);
  await must(`${base}/api/users/${spare.id}`, 'PATCH', { role: 'owner' }, a.token);
  const ids = [...new Set([...a.ids, ...b.ids, ...bIds, 1, 2, 3])].filter((id) => id !== spare.id);

  const all = await generateCases(ops, ids, opts.cases, opts.seed);
  const indexes = opts.only?.length ? opts.only.filter((i) => i < all.length) : all.map((_, i) => i);
  log(`fuzz: seed ${opts.seed}, ${indexes.length} cases over ${ops.length} operations; shop A ${a.shopId} (owner), shop B ${b.shopId} (terminal posting bills)`);

  const failures: Failure[] = [];
  const byStatus: Record<string, number> = {};
  const routesHit = new Set<string>();
  const routesPast = new Set<string>();
  const publicOps = new Set(ops.filter((o) => o.public).map((o) => `${o.method} ${o.path}`));
  let maxResponseMs = 0;
  let slowestCase: string | undefined;
  let status5xx = 0;
  let restarts = 0;
  let oversize = 0;
  let unavailable = 0;
  let stopping = false;
  let restarting: Promise<void> | undefined;
  /** cases in flight and recently finished, for naming the case behind an event-loop stall */
  const recent: { index: number; op: string; start: number; end?: number }[] = [];

  const shopB = { id: b.shopId, bills: bIds.length, failedPosts: 0, maxPostMs: 0, verifyCode: null as number | null, verifyOutput: '' };
  const billsPerSecond = opts.billsPerSecond ?? 4;
  const poster = (async () => {
    while (!stopping) {
      const next = performance.now() + 1000 / billsPerSecond;
      if (!restarting) {
        try {
          const r = await request(`${base}/api/bills`, 'POST', { json: billB, token: terminal.token, timeoutMs });
          shopB.maxPostMs = Math.max(shopB.maxPostMs, r.ms);
          if (r.status === 201) shopB.bills++;
          else shopB.failedPosts++;
        } catch {
          shopB.failedPosts++;
        }
      }
      await new Promise((r) => setTimeout(r, Math.max(0, next - performance.now())));
    }
  })();

  let maxLoopDelayMs = 0;
  let maxLoopDelayRawMs = 0;
  let loopSamples = 0;
  let machineStalls = 0;
  const canary = startCanary();
  // a first scrape resets the gauge: start-up and the set-up above are not part of the run
  await request(`${base}/metrics`, 'GET');
  let lastScrape = performance.now();
  const scraper = (async () => {
    while (!stopping) {
      await new Promise((r) => setTimeout(r, 1000));
      if (restarting) continue;
      try {
        const text = (await request(`${base}/metrics`, 'GET', { timeoutMs: 3000 })).text;
        const m = /^tajir_event_loop_delay_max_seconds ([0-9.e+-]+)$/m.exec(text);
        const now = performance.now();
        if (m) {
          const ms = Number(m[1]) * 1000;
          loopSamples++;
          maxLoopDelayRawMs = Math.max(maxLoopDelayRawMs, ms);
          const idle = canary.takeMax();
          if (ms >= 200 && idle >= ms / 2) {
            // a process that does nothing was as late: the machine (shared cores) stalled, not the service
            machineStalls++;
            log(`event-loop delay ${ms.toFixed(0)} ms in the last second, and ${idle.toFixed(0)} ms in an idle process: the machine's stall`);
          } else maxLoopDelayMs = Math.max(maxLoopDelayMs, ms);
          if (ms >= 200 && idle < ms / 2) {
            // the case that blocked the loop is among the slowest answers of that second
            const during = recent
              .filter((r) => (r.end ?? now) >= lastScrape)
              .map((r) => ({ ...r, took: (r.end ?? now) - r.start }))
              .sort((x, y) => y.took - x.took)
              .slice(0, 3);
            const names = during.map((r) => `${r.index} ${r.op} (${r.took.toFixed(0)} ms)`).join(', ');
            log(`event-loop delay ${ms.toFixed(0)} ms in the last second; slowest cases then: ${names}`);
            if (during[0]) failures.push({ index: during[0].index, case: all[during[0].index]!, symptom: `event-loop delay ${ms.toFixed(0)} ms; slowest cases then: ${names}` });
          }
        }
        lastScrape = now;
      } catch {
        // a stalled service does not answer /metrics either; the case that stalled it is reported
      }
    }
  })();

  /** /readyz says PostgreSQL or Redis does not answer. */
  const backingDown = async () => {
    try {
      return (await request(`${base}/readyz`, 'GET', { timeoutMs: 2000 })).status === 503;
    } catch {
      return false;
    }
  };
  const healthy = async () => {
    try {
      return (await request(`${base}/healthz`, 'GET', { timeoutMs: 2000 })).status === 200;
    } catch {
      return false;
    }
  };
  /** The service is stalled or dead: note it and start it again (once for all cases that saw it). */
  const recover = async () => {
    if (!restarting) {
      restarting = (async () => {
        restarts++;
        log(`the service is ${target.alive() ? 'stalled' : 'dead'}; starting it again. Its last output:\n${target.output().slice(-1500)}`);
        await target.restart();
        // its start-up is not a stall of the run: reset the event-loop gauge
        await request(`${base}/metrics`, 'GET').catch(() => {});
        lastScrape = performance.now();
      })().finally(() => {
        restarting = undefined;
      });
    }
    await restarting;
  };

  let ownerToken = a.token;
  let reentering: Promise<void> | undefined;
  const login = (email: string) => request(`${base}/api/auth/login`, 'POST', { json: { email, password: FUZZ_PASSWORD } });
  const reenter = () =>
    (reentering ??= (async () => {
      let r = await login(a.email);
      if (r.status === 401) {
        const s = JSON.parse((await login(spareEmail)).text) as { token: string };
        await request(`${base}/api/users/${a.userId}`, 'PATCH', { json: { active: true, role: 'owner' }, token: s.token });
        await request(`${base}/api/users/${a.userId}/password`, 'POST', { json: { password: FUZZ_PASSWORD }, token: s.token });
        r = await login(a.email);
      }
      if (r.status === 200) ownerToken = (JSON.parse(r.text) as { token: string }).token;
      else log(`fuzz: owner A could not sign in again: ${r.status} ${r.text.slice(0, 200)}`);
    })().finally(() => {
      reentering = undefined;
    }));
  // shop A's terminal, for the operations only a terminal may call (PIN sessions); a case may
  // revoke it (DELETE /api/terminals/{id}), and then a new one is registered
  let terminalToken = (await must(`${base}/api/terminals`, 'POST', { name: 'Till A' }, a.token)).token as string;
  let reregistering: Promise<void> | undefined;
  const reregister = () =>
    (reregistering ??= (async () => {
      const r = await request(`${base}/api/terminals`, 'POST', { json: { name: 'Till A' }, token: ownerToken });
      if (r.status === 201) terminalToken = (JSON.parse(r.text) as { token: string }).token;
    })().finally(() => {
      reregistering = undefined;
    }));
  const tokenFor = (c: FuzzCase) =>
    c.auth === 'owner' ? ownerToken : c.auth === 'terminal' ? terminalToken : c.auth === 'forged' ? FORGED_TOKEN : undefined;
  const bBills = new Set(bIds);
  const runCase = async (index: number) => {
    const c = all[index]!;
    routesHit.add(c.op);
    const entry: { index: number; op: string; start: number; end?: number } = { index, op: c.op, start: performance.now() };
    recent.push(entry);
    if (recent.length > 200) recent.splice(0, recent.length - 200);
    if (restarting) await restarting;
    if (reentering) await reentering;
    if (reregistering) await reregistering;
    try {
      const r = await request(`${base}${c.url}`, c.method, { token: tokenFor(c), body: c.body, timeoutMs });
      // the case ended owner A's session (or the one before it did): sign in again for the next cases
      if (c.auth === 'owner' && r.status === 401) await reenter();
      if (c.auth === 'terminal' && r.status === 401) await reregister();
      byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      // on an operation that takes a token, a 401 or 403 never ran the handler: it is reached
      // only past them (a public one's 401 is its own answer: login's wrong password)
      if (publicOps.has(c.op) ? r.status !== 431 : r.status !== 401 && r.status !== 403 && r.status !== 431) routesPast.add(c.op);
      if (r.ms > maxResponseMs) {
        maxResponseMs = r.ms;
        slowestCase = `case ${index} ${c.op} (${r.ms.toFixed(0)} ms)`;
      }
      const answer = r.text.slice(0, 300);
      if (r.status >= 500) {
        if (r.status === 503 && (await backingDown())) {
          // PostgreSQL or Redis itself is down (restarted by someone else on a shared machine):
          // 503 is the right answer then, and says nothing about the request
          unavailable++;
        } else {
          status5xx++;
          failures.push({ index, case: c, symptom: `${r.status}`, status: r.status, answer });
        }
      }
      if (r.ms > slowMs) failures.push({ index, case: c, symptom: `slow: ${r.ms.toFixed(0)} ms`, status: r.status, answer });
      // owner A must never reach shop B's bills
      const billId = /^\/api\/bills\/(\d+)/.exec(c.url)?.[1];
      if (billId && bBills.has(Number(billId)) && r.status < 300 && c.auth === 'owner') {
        failures.push({ index, case: c, symptom: `shop A reached shop B's bill ${billId}`, status: r.status, answer });
      }
      // 431: the current uWS build refuses a request line or headers past 4 KB itself, before any
      // handler of ours (the older build drops the connection instead, counted below)
      if (r.status === 431) oversize++;
      else if (r.status >= 400 && r.status < 500 && c.op !== 'GET /' && c.op !== 'GET /api/mail-recipients/confirm' && !/^\{"error":\{"code":"[a-z_]+","message":/.test(r.text)) {
        failures.push({ index, case: c, symptom: `${r.status} without the error envelope`, status: r.status, answer });
      }
    } catch (err) {
      const e = err as Error;
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      const up = await healthy();
      // uWebSockets.js reads at most 4 KB of request line and headers and drops the connection
      // past that (this build sends no 431): a refusal, not a failure, while the process is fine
      if (!timedOut && up && c.url.length > 4000) {
        oversize++;
        return;
      }
      const symptom = timedOut
        ? `no answer in ${timeoutMs} ms${up ? '' : '; /healthz does not answer: the process is stalled or dead'}`
        : `connection error (${(e.cause as Error | undefined)?.message ?? e.message})${up ? '' : '; the process is down'}`;
      failures.push({ index, case: c, symptom });
      if (!up) await recover();
    } finally {
      entry.end = performance.now();
    }
  };

  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < indexes.length) {
        const i = indexes[next++]!;
        await runCase(i);
        opts.progress?.(next, indexes.length);
        if ((next % 250 === 0 || next === indexes.length) && next > 0) log(`fuzz: ${next}/${indexes.length} cases, ${failures.length} failures`);
      }
    }),
  );
  const durationMs = performance.now() - started;
  // one more second so the last scrape covers the last cases
  await new Promise((r) => setTimeout(r, 1200));
  stopping = true;
  await Promise.all([poster, scraper]);
  canary.stop();
  const healthzAtEnd = await healthy();
  const v = await verifyAggregates(target, b.shopId);
  shopB.verifyCode = v.code;
  shopB.verifyOutput = v.output;
  return {
    seed: opts.seed,
    cases: indexes.length,
    routes: routesHit.size,
    routesTotal: ops.length,
    notPastAuth: ops.map((o) => `${o.method} ${o.path}`).filter((op) => !routesPast.has(op)),
    durationMs,
    maxResponseMs,
    slowestCase,
    maxLoopDelayMs,
    maxLoopDelayRawMs,
    loopSamples,
    machineStalls,
    status5xx,
    byStatus,
    failures,
    restarts,
    oversize,
    unavailable,
    healthzAtEnd,
    shopB,
  };
}
