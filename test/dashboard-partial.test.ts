/**
 * The publisher's partial dashboard read (dashboard/read.ts readForPush, issue 20): a push after
 * events reads only the series days and months they touched and takes the rest from the state it
 * kept. Each test compares with an independent source, the dashboard computed from SQL (GET
 * /api/dashboard may answer from the cache a push's read filled).
 */
import assert from 'node:assert/strict';
import { addDays } from '../src/domain/common/calendar.ts';
import type { Dashboard } from '../src/domain/dashboard/build.ts';
import { dashboardFromSql, readForPush } from '../src/domain/dashboard/read.ts';
import { applyDashboardChanges } from '../src/realtime/contracts.ts';
import { SUFFIX } from '../src/redis/keys.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { del, get, newShop, post, put, type ShopSession } from './support/http.ts';
import { closeAllSockets, connected, openSocket, record, until } from './support/sockets.ts';

const fromSql = async (shopId: number) => JSON.parse(JSON.stringify(await dashboardFromSql(env().sql, shopId, env().clock.now()))) as Dashboard;

async function partialReads(): Promise<number> {
  const text = await env().deps.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith('tajir_dashboard_push_reads_total{read="partial"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function categoryId(s: ShopSession, name: string): Promise<number> {
  const items = (await get('/api/expense-categories', s.token)).body.items as { id: number; name: string }[];
  return items.find((c) => c.name === name)!.id;
}

describe('partial dashboard reads for pushes', function () {
  this.timeout(60_000);
  afterEach(() => closeAllSockets());

  it('a manager replaying the updates of bills, payments, cancellations and back-dated expenses ends on the SQL dashboard', async () => {
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Alteration', 12.35);
    const rent = await categoryId(s, 'Rent');
    const today = (await get('/api/dashboard', s.token)).body.today.date as string;
    const sock = await connected(openSocket(s.manager, undefined, { auth: { token: s.manager, series: 'moved' } }));
    const seen = record(sock);
    const before = await partialReads();

    // one change at a time, each waited for, so most pushes are leading-edge reads on a kept state
    const steps: (() => Promise<unknown>)[] = [
      () => post('/api/bills', { items: [{ product_id: p, quantity: 2 }], payments: [{ amount: 5, method: 'Cash' }] }, s.cashier),
      () => post('/api/expenses', { category_id: rent, expense_date: addDays(today, -3), amount: 40.5 }, s.manager),
      () => post('/api/expenses', { category_id: rent, expense_date: addDays(today, -40), amount: 7.25 }, s.manager),
      () => post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, s.cashier),
      async () => {
        const e = await post('/api/expenses', { category_id: rent, expense_date: addDays(today, -12), amount: 3 }, s.manager);
        await settled(s.shopId);
        // moved to another day of the window, then gone: both days move
        await put(`/api/expenses/${e.body.id}`, { category_id: rent, expense_date: addDays(today, -20), amount: 4 }, s.manager);
        await settled(s.shopId);
        return del(`/api/expenses/${e.body.id}`, s.manager);
      },
      async () => {
        const bills = (await get('/api/bills', s.token)).body.items as { id: number; balance: number }[];
        const open = bills.find((b) => b.balance > 0)!;
        await post(`/api/bills/${open.id}/payments`, { amount: open.balance, method: 'Card' }, s.cashier);
        await settled(s.shopId);
        return post(`/api/bills/${bills.at(-1)!.id}/cancel`, { reason: 'test' }, s.token);
      },
    ];
    for (const step of steps) {
      const r = (await step()) as { status: number; body: unknown };
      assert.ok(r.status < 300, JSON.stringify(r.body));
      await settled(s.shopId);
      // a gap between changes longer than the push window: the next change is a leading edge
      await new Promise((r) => setTimeout(r, 80));
    }
    const seq = await settled(s.shopId);
    await until(() => seen.filter((e) => e.name === 'dashboard:update').at(-1)?.args[0].seq === seq, 10_000, 'last update');

    const updates = seen.filter((e) => e.name === 'dashboard:update').map((e) => e.args[0]);
    let state = { ...updates[0].changes, seq: updates[0].seq } as Dashboard;
    for (const u of updates.slice(1)) {
      assert.equal(u.prev_seq, state.seq, 'no update missed');
      state = applyDashboardChanges(state, u.changes, u.seq);
    }
    const truth = await fromSql(s.shopId);
    assert.deepEqual(state, truth);
    // the back-dated figures are there, so the partial reads did read the days they touched
    assert.equal(truth.daily.find((d) => d.date === addDays(today, -3))?.expenses, 40.5);
    assert.ok(truth.daily.every((d) => d.date !== addDays(today, -12) || d.expenses === 0));
    assert.ok((await partialReads()) > before, 'pushes read partially');
  });

  it('reads in full when the answer is not the state its caller knows the changes of', async () => {
    const s = await newShop();
    const p = await addProduct(s.shopId, 'Pressing', 9);
    const rent = await categoryId(s, 'Rent');
    const today = (await get('/api/dashboard', s.token)).body.today.date as string;
    await post('/api/bills', { items: [{ product_id: p, quantity: 1 }] }, s.cashier);
    await settled(s.shopId);
    const { deps, clock } = env();
    const ctx = { ...deps, clock };
    const base = await readForPush(ctx, s.shopId);
    assert.equal(base.partial, false);
    assert.ok(base.kept);
    const kept = base.kept;

    // nothing moved: a partial read with no keys is the same dashboard
    const same = await readForPush(ctx, s.shopId, { kept, through: kept.seq, keys: new Set() });
    assert.equal(same.partial, true);
    assert.deepEqual(same.dashboard, base.dashboard);

    // an expense three days back, which the caller does not know of (through stays at the kept seq): read in full
    const day = addDays(today, -3);
    assert.equal((await post('/api/expenses', { category_id: rent, expense_date: day, amount: 11 }, s.manager)).status, 201);
    const seq = await settled(s.shopId);
    const unknown = await readForPush(ctx, s.shopId, { kept, through: kept.seq, keys: new Set() });
    assert.equal(unknown.partial, false);
    assert.deepEqual(JSON.parse(JSON.stringify(unknown.dashboard)), await fromSql(s.shopId));

    // the caller knows it: the day it touched is read, the rest comes from the kept state
    const known = await readForPush(ctx, s.shopId, { kept, through: seq, keys: new Set([SUFFIX.day(day), SUFFIX.month(day.slice(0, 7))]) });
    assert.equal(known.partial, true);
    assert.deepEqual(known.dashboard, unknown.dashboard);

    // another rebuild of the shop's state, or another date, is read in full
    const rebuilt = await readForPush(ctx, s.shopId, { kept: { ...kept, rebuiltAt: 'another' }, through: seq, keys: new Set([SUFFIX.day(day)]) });
    assert.equal(rebuilt.partial, false);
    assert.deepEqual(rebuilt.dashboard, unknown.dashboard);
    const yesterday = await readForPush(ctx, s.shopId, { kept: { ...kept, today: addDays(today, -1) }, through: seq, keys: new Set([SUFFIX.day(day)]) });
    assert.equal(yesterday.partial, false);
    assert.deepEqual(yesterday.dashboard, unknown.dashboard);
  });
});
