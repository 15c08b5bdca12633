/**
 * Recurring expenses are fair across shops: a definition that starts years back catches up at
 * most 366 occurrences per tick, and another shop's due expense is made in the same tick.
 */
import assert from 'node:assert/strict';
import { generateRecurringExpenses, MAX_OCCURRENCES_PER_TICK } from '../src/domain/expenses/generate-recurring.ts';
import { env } from './support/env.ts';
import { get, newShop, post, type ShopSession } from './support/http.ts';

async function category(s: ShopSession): Promise<number> {
  return (await get('/api/expense-categories', s.token)).body.items[0].id;
}

const rows = async (recurringId: number) =>
  env().sql<{ id: number; expense_date: string }[]>`
    select id, expense_date::text from expenses where recurring_id = ${recurringId} order by expense_date`;

describe('recurring expenses catch up fairly', function () {
  this.timeout(120_000);
  afterEach(() => env().clock.release());

  it('a daily definition from years back makes at most 366 rows a tick while another shop is served, then finishes with one row per date', async () => {
    const big = await newShop();
    const small = await newShop();
    const now = new Date('2026-11-28T12:00:00Z'); // 16:00 in Dubai: today is 2026-11-28
    // the service's own minute tick generates recurring expenses too: on the service's clock,
    // stopped at the test's now, it cannot make the dates after it while the test counts
    env().clock.pin(now);
    const def = async (s: ShopSession, body: object) => {
      const r = await post('/api/recurring-expenses', { category_id: await category(s), amount: 10, ...body }, s.manager);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.id as number;
    };
    const backlog = await def(big, { frequency: 'daily', start_date: '2020-01-01' });
    // more due definitions of the big shop, all with dates waiting
    const others = [];
    for (let i = 0; i < 5; i++) others.push(await def(big, { frequency: 'weekly', start_date: '2026-01-01' }));
    const due = await def(small, { frequency: 'monthly', start_date: '2026-11-28' });

    const made = await generateRecurringExpenses(env().sql, now);
    assert.ok(made > 0, 'the first tick made expenses');
    assert.equal((await rows(backlog)).length, MAX_OCCURRENCES_PER_TICK, 'the backlog is bounded per tick');
    const small1 = await rows(due);
    assert.deepEqual(small1.map((e) => e.expense_date), ['2026-11-28'], 'the other shop is served in the same tick');
    // by turn within the shop: the small shop's first definition goes before the big shop's second
    for (const id of others) assert.ok((await rows(id)).every((e) => e.id > small1[0]!.id), `definition ${id} went ahead of the other shop`);

    // further ticks (two at once too) finish the catch-up, exactly once per date
    let ticks = 1;
    for (; ticks < 20; ticks++) {
      const [a, b] = await Promise.all([generateRecurringExpenses(env().sql, now), generateRecurringExpenses(env().sql, now)]);
      const mine = (await rows(backlog)).length;
      assert.ok(mine <= (ticks + 1) * MAX_OCCURRENCES_PER_TICK * 2, `${mine} rows after ${ticks + 1} ticks`);
      if (a + b === 0) break;
    }
    const all = await rows(backlog);
    const days = (Date.parse('2026-11-28') - Date.parse('2020-01-01')) / 86_400_000 + 1;
    assert.equal(all.length, days);
    assert.equal(new Set(all.map((e) => e.expense_date)).size, days, 'one row per date');
    assert.equal(all[0]!.expense_date, '2020-01-01');
    assert.equal(all.at(-1)!.expense_date, '2026-11-28');
    assert.ok(ticks >= Math.ceil(days / MAX_OCCURRENCES_PER_TICK) / 2, 'it took several ticks');
    const [d] = await env().sql<{ next_due: string }[]>`select next_due::text from recurring_expenses where id = ${backlog}`;
    assert.equal(d!.next_due, '2026-11-29');
    // every row has its event, numbered gap-free
    const [ev] = await env().sql<{ n: number; max: number; expenses: number }[]>`
      select count(*)::int as n, max(seq)::int as max,
             (select count(*)::int from expenses where shop_id = ${big.shopId}) as expenses
      from events where shop_id = ${big.shopId} and kind = 'expense_created'`;
    assert.equal(ev!.n, ev!.expenses);
    assert.equal(ev!.max, ev!.n);
    await generateRecurringExpenses(env().sql, now);
    assert.equal((await rows(backlog)).length, days, 'nothing more once caught up');
  });
});
