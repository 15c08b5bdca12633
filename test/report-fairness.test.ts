/**
 * Reports are fair across shops (DOMAIN.md "Bounds"): one running and at most 10 queued per shop,
 * and a shop's backlog never delays another shop's report by more than one of its own.
 */
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { createRedis } from '../src/redis/client.ts';
import { MAX_QUEUED_PER_SHOP } from '../src/domain/reports/queue.ts';
import { runSchedules } from '../src/domain/reports/index.ts';
import { QUEUES } from '../src/workers/queues.ts';
import { env } from './support/env.ts';
import { confirmedRecipient } from './support/fixtures.ts';
import { get, newShop, post, put, type ShopSession } from './support/http.ts';
import { until } from './support/sockets.ts';

const report = { type: 'invoices', from: '2026-01-01', to: '2026-12-31', format: 'csv' };

async function statuses(shopId: number) {
  const rows = await env().sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from report_jobs where shop_id = ${shopId} group by status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
}

/** Bills written straight to the table, so a report of the shop takes a while to build. */
async function bulkBills(shopId: number, n: number) {
  await env().sql`
    insert into bills (shop_id, bill_number, bill_date, vat_percent, prices_include_vat, subtotal_fils, vat_fils, total_fils, paid_fils, status, customer_name)
    select ${shopId}, 'BILL-20260101-' || g, '2026-01-01'::date + (g % 300), 5, true, 9524, 476, 10000, 0, 'Pending', 'Bulk ' || g
    from generate_series(1, ${n}) g`;
}

describe('reports are fair across shops', function () {
  this.timeout(180_000);
  let queue: Queue;
  let connection: ReturnType<typeof createRedis>;
  before(() => {
    connection = createRedis(env().config.redisUrl, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUES.reports, { connection, prefix: env().deps.keys.bull() });
  });
  after(async () => {
    await queue.close();
    connection.disconnect();
  });

  /**
   * Report jobs BullMQ holds per shop, for reports still to build (a finished report's job stays
   * active for the moment it takes to dispatch the shop's next one).
   */
  async function jobsPerShop(): Promise<Map<number, number>> {
    const jobs = await queue.getJobs(['waiting', 'active', 'delayed', 'prioritized']);
    const ids = jobs.map((j) => j.data.reportId as string);
    const rows = ids.length ? await env().sql<{ shop_id: number }[]>`
          select shop_id from report_jobs where id = any(${ids}::uuid[]) and status in ('queued', 'running')` : [];
    const out = new Map<number, number>();
    for (const r of rows) out.set(r.shop_id, (out.get(r.shop_id) ?? 0) + 1);
    return out;
  }

  it("another shop's report completes while one shop has a backlog, and each shop runs one at a time", async () => {
    const busy = await newShop();
    const quiet = await newShop();
    await bulkBills(busy.shopId, 10_000);
    const backlog: string[] = [];
    for (let i = 0; i < MAX_QUEUED_PER_SHOP; i++) {
      const r = await post('/api/reports', report, busy.token);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      backlog.push(r.body.id);
    }
    // watch the invariants while the backlog drains
    let maxJobs = 0;
    let maxRunning = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        maxJobs = Math.max(maxJobs, (await jobsPerShop()).get(busy.shopId) ?? 0);
        maxRunning = Math.max(maxRunning, (await statuses(busy.shopId)).running ?? 0);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const q = await post('/api/reports', report, quiet.token);
    assert.equal(q.status, 202);
    await until(async () => (await get(`/api/reports/${q.body.id}`, quiet.token)).body.status === 'done', 60_000, 'the quiet shop report');
    // Counted against the quiet report's own request and completion (the database's clock), not
    // against the start of the backlog: on a fast machine the busy shop finishes reports while its
    // backlog is still being requested, and those never stood in the quiet report's way.
    const [span] = await env().sql<{ meanwhile: number; after: number }[]>`
      select count(*) filter (where b.finished_at >= q.created_at and b.finished_at <= q.finished_at)::int as meanwhile,
             count(*) filter (where b.status <> 'done' or b.finished_at > q.finished_at)::int as after
      from report_jobs q, report_jobs b
      where q.id = ${q.body.id} and b.shop_id = ${busy.shopId}`;
    // first-in-first-out would have built the whole backlog first; round-robin lets at most the
    // busy shop's running report and the one queued ahead finish meanwhile
    assert.ok(span!.meanwhile <= 2, `the busy shop finished ${span!.meanwhile} reports while the quiet one waited`);
    // the backlog requested before it was still there: first-in-first-out would have made it wait
    assert.ok(span!.after >= 3, `only ${span!.after} of the busy shop's reports finished after the quiet one`);

    await until(async () => ((await statuses(busy.shopId)).done ?? 0) === MAX_QUEUED_PER_SHOP, 150_000, 'the backlog');
    watching = false;
    await watcher;
    assert.equal(maxJobs, 1, 'BullMQ held one job of the shop at a time');
    assert.equal(maxRunning, 1, 'one running report per shop');
    // the backlog ran in the order it was requested
    const order = await env().sql<{ id: string }[]>`select id from report_jobs where shop_id = ${busy.shopId} order by finished_at`;
    assert.deepEqual(order.map((r) => r.id), backlog);
  });

  it('the database refuses a second running report of one shop', async () => {
    const shop = await newShop();
    const ids = await env().sql<{ id: string }[]>`
      insert into report_jobs (shop_id, type, format, params, status)
      select ${shop.shopId}, 'invoices', 'csv', ${env().sql.json({ from: '2026-01-01', to: '2026-01-02' })}, 'done' from generate_series(1, 2)
      returning id`;
    await env().sql`update report_jobs set status = 'running' where id = ${ids[0]!.id}`;
    await assert.rejects(env().sql`update report_jobs set status = 'running' where id = ${ids[1]!.id}`, (err: { code?: string; constraint_name?: string }) => {
      assert.equal(err.code, '23505');
      assert.equal(err.constraint_name, 'report_jobs_one_running_key');
      return true;
    });
    await env().sql`update report_jobs set status = 'done' where shop_id = ${shop.shopId}`;
  });

  it('a job that reaches the worker while its shop has a report running waits instead of running beside it', async () => {
    const shop = await newShop();
    const { sql } = env();
    const [a, b] = await sql<{ id: string }[]>`
      insert into report_jobs (shop_id, type, format, params)
      select ${shop.shopId}, 'invoices', 'csv', ${sql.json({ from: '2026-01-01', to: '2026-01-02' })} from generate_series(1, 2)
      returning id`;
    await sql`update report_jobs set status = 'running' where id = ${a!.id}`; // as if a worker held it
    // a stray job for the second report (a dispatch that raced the end of the first)
    await queue.add('build-report', { reportId: b!.id }, { jobId: `report-${b!.id}`, attempts: 5 });
    await until(async () => (await queue.getJob(`report-${b!.id}`))?.isDelayed() ?? false, 10_000, 'delayed');
    assert.equal((await statuses(shop.shopId)).running, 1);
    const job = await queue.getJob(`report-${b!.id}`);
    assert.equal(job!.attemptsMade, 0, 'waiting spends no attempt');
    await sql`update report_jobs set status = 'done' where id = ${a!.id}`;
    await until(async () => (await statuses(shop.shopId)).done === 2, 30_000, 'built once the shop is free');
  });

  it('past 10 queued a request answers 429 report_queue_full and creates nothing; a scheduled report waits for room', async () => {
    const shop = await newShop();
    // ten queued that no worker takes yet (never dispatched, and too young for the tick)
    await env().sql`
      insert into report_jobs (shop_id, type, format, params)
      select ${shop.shopId}, 'invoices', 'csv', ${env().sql.json({ from: '2026-01-01', to: '2026-01-02' })} from generate_series(1, ${MAX_QUEUED_PER_SHOP})`;
    const r = await post('/api/reports', report, shop.token);
    assert.equal(r.status, 429);
    assert.equal(r.body.error.code, 'report_queue_full');
    assert.ok(Number(r.headers.get('retry-after')) > 0, 'Retry-After is set');
    assert.equal((await statuses(shop.shopId)).queued, MAX_QUEUED_PER_SHOP, 'nothing created');

    await confirmedRecipient(shop.shopId, 'o@shop.test');
    await put('/api/report-schedules', { schedules: [{ kind: 'daily_summary', enabled: true, hour: 0, recipients: ['o@shop.test'], format: 'csv' }] }, shop.token);
    await runSchedules(env().sql, env().clock.now());
    const claims = async () => (await env().sql`select 1 from report_schedule_runs where shop_id = ${shop.shopId}`).length;
    assert.equal(await claims(), 0, 'a full queue does not take the scheduled run');
    await env().sql`update report_jobs set status = 'done' where shop_id = ${shop.shopId}`;
    await runSchedules(env().sql, env().clock.now());
    assert.equal(await claims(), 1, 'it is created once there is room');
    await env().sql`update report_jobs set status = 'done' where shop_id = ${shop.shopId}`;
  });

  it('20 parallel requests cannot pass 10 queued', async () => {
    const shop: ShopSession = await newShop();
    await bulkBills(shop.shopId, 20_000); // each report takes a while: few start during the burst
    const answers = await Promise.all(Array.from({ length: 20 }, () => post('/api/reports', report, shop.token)));
    const started = await env().sql<{ n: number }[]>`
      select count(*)::int as n from report_jobs where shop_id = ${shop.shopId} and status <> 'queued'`;
    const accepted = answers.filter((a) => a.status === 202).length;
    const refused = answers.filter((a) => a.status === 429);
    assert.equal(accepted + refused.length, 20, JSON.stringify(answers.map((a) => a.status)));
    assert.ok(refused.every((a) => a.body.error.code === 'report_queue_full'), JSON.stringify(refused.map((a) => a.body)));
    const [rows] = await env().sql<{ n: number }[]>`select count(*)::int as n from report_jobs where shop_id = ${shop.shopId}`;
    assert.equal(rows!.n, accepted, 'a refused request created nothing');
    assert.ok(accepted >= MAX_QUEUED_PER_SHOP, `${accepted} accepted`);
    // admission counted queued reports under the shop's lock: only reports that left the queue
    // (started) during the burst made room for more
    assert.ok(accepted <= MAX_QUEUED_PER_SHOP + started[0]!.n, `${accepted} accepted, ${started[0]!.n} started`);
    // leave the worker idle for the next tests
    await env().sql`update report_jobs set status = 'failed', error = 'test' where shop_id = ${shop.shopId} and status = 'queued'`;
    await until(async () => ((await statuses(shop.shopId)).running ?? 0) === 0, 60_000, 'the running report');
  });
});

describe('a report whose job ended without recording it', function () {
  this.timeout(60_000);

  it('does not block its shop: a dispatch records the failure, or runs a completed job again', async () => {
    const shop = await newShop();
    const { sql, deps } = env();
    const status = async (id: string) => (await sql<{ status: string }[]>`select status from report_jobs where id = ${id}`)[0]!.status;
    // a job that failed for good while its report stayed open (markFailed never ran)
    const [bad] = await sql<{ id: string }[]>`
      insert into report_jobs (shop_id, type, format, params) values (${shop.shopId}, 'invoices', 'csv', ${sql.json({ from: '2026-02-30', to: '2026-03-01' })})
      returning id`;
    await deps.jobs.enqueueReport(bad!.id);
    await until(async () => (await status(bad!.id)) === 'failed', 20_000, 'failed');
    await sql`update report_jobs set status = 'queued', error = null where id = ${bad!.id}`;
    const next = await post('/api/reports', report, shop.token);
    assert.equal(next.status, 202);
    await until(async () => (await status(bad!.id)) === 'failed', 20_000, 'failure recorded by the dispatch');
    await until(async () => (await status(next.body.id)) === 'done', 30_000, 'the next report of the shop');
    // a job that completed while its report shows queued again (its ending was lost)
    await sql`update report_jobs set status = 'queued' where id = ${next.body.id}`;
    await deps.jobs.enqueueReport(next.body.id);
    await until(async () => (await status(next.body.id)) === 'done', 30_000, 'built again');
  });
});
