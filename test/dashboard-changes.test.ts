import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDashboard, type Dashboard } from '../src/domain/dashboard/build.ts';
import { SUFFIX } from '../src/redis/keys.ts';
import type { ShopState } from '../src/domain/aggregates/snapshot.ts';
import { applyDashboardChanges, dashboardChanges, withWholeSeries } from '../src/realtime/contracts.ts';

const TODAY = '2026-11-29';

/** A dashboard built from day/month hashes with the given revenues (fils) per day offset. */
function dashboard(seq: number, revenueByDay: Record<number, number>, today = TODAY): Dashboard {
  const state: ShopState = {};
  for (const [offset, rev] of Object.entries(revenueByDay)) {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() - Number(offset));
    const day = d.toISOString().slice(0, 10);
    state[SUFFIX.day(day)] = { h: { rev: String(rev), bills: '1', h10: String(rev) } };
    const month = SUFFIX.month(day.slice(0, 7));
    const m = state[month] && 'h' in state[month]! ? state[month]!.h : {};
    state[month] = { h: { ...m, rev: String(Number(m.rev ?? 0) + rev), bills: String(Number(m.bills ?? 0) + 1) } };
  }
  return buildDashboard(state, seq, { today });
}

describe('dashboard:update changes', () => {
  it('carry only the series entries that moved, and every part when the date moves', () => {
    const before = dashboard(1, { 0: 100, 3: 500 });
    const after = dashboard(2, { 0: 250, 3: 500 });
    const c = dashboardChanges(before, after);
    assert.deepEqual(c.daily, [after.daily.at(-1)]);
    assert.deepEqual(c.monthly, [after.monthly.at(-1)]);
    assert.deepEqual(c.hourly, [after.hourly[10]]);
    assert.ok(c.today && c.month && !('customers' in c) && !('seq' in c), "c.today && c.month && !('customers' in c) && !('seq' in c)");
    assert.deepEqual(applyDashboardChanges(before, c, 2), after);
    // the API.md form: the moved series whole, so a shallow merge is the new dashboard
    const whole = withWholeSeries(c, after);
    assert.deepEqual([whole.daily?.length, whole.monthly?.length, whole.hourly?.length], [30, 12, 24]);
    assert.ok(!('customers' in whole), "!('customers' in whole)");
    assert.deepEqual({ ...before, ...whole, seq: 2 }, after);
    assert.deepEqual(applyDashboardChanges(before, whole, 2), after);

    const tomorrow = dashboard(3, { 1: 250, 4: 500 }, '2026-11-30');
    const full = dashboardChanges(after, tomorrow);
    assert.equal(full.daily?.length, 30);
    assert.deepEqual(applyDashboardChanges(after, full, 3), tomorrow);
    // a publisher's first update of a shop: every part
    assert.deepEqual(dashboardChanges(undefined, after), Object.fromEntries(Object.entries(after).filter(([k]) => k !== 'seq')));
  });

  it('match series entries by their key, not their place, and compare nested parts in full', () => {
    const before = dashboard(1, { 0: 100, 3: 500 });
    // the same entries in another order: nothing moved
    const shuffled = { ...before, seq: 2, daily: [...before.daily].reverse() };
    assert.equal(dashboardChanges(before, shuffled).daily, undefined);
    // one entry changed in a shuffled series: that entry alone
    const edited = { ...shuffled, daily: shuffled.daily.map((e, i) => (i === 5 ? { ...e, bills: e.bills + 1 } : e)) };
    assert.deepEqual(dashboardChanges(before, edited).daily, [edited.daily[5]]);
    // a field added or removed, a list grown, a nested value changed: moved
    const withMethod = { ...before, payment_methods: [{ method: 'Cash', amount: 1 }] };
    assert.deepEqual(dashboardChanges(before, withMethod).payment_methods, withMethod.payment_methods);
    const extraField = { ...before, today: { ...before.today, extra: 1 } } as unknown as Dashboard;
    assert.ok('today' in dashboardChanges(before, extraField));
    const lessField = { ...before, today: { date: before.today.date } } as unknown as Dashboard;
    assert.ok('today' in dashboardChanges(before, lessField));
    assert.deepEqual(Object.keys(dashboardChanges(before, { ...before, seq: 9 })), []);
  });

  it('applied to the state before (either form, the whole one by a shallow merge), always give the state after', () => {
    const days = fc.dictionary(
      fc.integer({ min: 0, max: 40 }).map(String),
      fc.integer({ min: 1, max: 10_000_000 }),
      { maxKeys: 12 },
    );
    fc.assert(
      fc.property(days, days, fc.boolean(), (a, b, nextDay) => {
        const before = dashboard(1, a as Record<number, number>);
        const after = dashboard(2, b as Record<number, number>, nextDay ? '2026-11-30' : TODAY);
        const moved = dashboardChanges(before, after);
        assert.deepEqual(applyDashboardChanges(before, moved, 2), after);
        assert.deepEqual({ ...before, ...withWholeSeries(moved, after), seq: 2 }, after);
      }),
      { numRuns: 200 },
    );
  });
});
