import assert from 'node:assert/strict';
import { generateRecurringExpenses } from '../src/domain/expenses/generate-recurring.ts';
import { nextDueDate } from '../src/domain/expenses/recurrence.ts';
import { env } from './support/env.ts';
import { settled } from './support/fixtures.ts';
import { del, get, newShop, patch, post, type ShopSession } from './support/http.ts';

describe('expenses', () => {
  let s: ShopSession;
  let other: ShopSession;
  let rent: number;
  before(async () => {
    s = await newShop();
    other = await newShop();
    const cats = (await get('/api/expense-categories', s.cashier)).body.items;
    assert.deepEqual(cats.map((c: any) => c.name), ['Insurance', 'Maintenance', 'Marketing', 'Other', 'Rent', 'Supplies', 'Transportation', 'Utilities']);
    rent = cats.find((c: any) => c.name === 'Rent').id;
  });

  it('categories: unique names, managers only, no deleting one in use', async () => {
    assert.equal((await post('/api/expense-categories', { name: 'rent' }, s.token)).status, 409);
    assert.equal((await post('/api/expense-categories', { name: 'Fuel' }, s.cashier)).status, 403);
    const fuel = await post('/api/expense-categories', { name: 'Fuel' }, s.manager);
    assert.equal(fuel.status, 201);
    assert.equal((await patch(`/api/expense-categories/${fuel.body.id}`, { name: 'Petrol' }, s.manager)).body.name, 'Petrol');
    assert.equal((await patch(`/api/expense-categories/${fuel.body.id}`, { name: 'X' }, other.token)).status, 404);
    await post('/api/expenses', { category_id: fuel.body.id, expense_date: '2026-11-01', amount: 10 }, s.manager);
    assert.equal((await del(`/api/expense-categories/${fuel.body.id}`, s.manager)).status, 409);
  });

  it('records expenses with events that move the dashboard exactly', async () => {
    const shop = await newShop();
    const cat = (await get('/api/expense-categories', shop.token)).body.items[0].id;
    const today = (await get('/api/dashboard', shop.token)).body.today.date;
    const a = await post('/api/expenses', { category_id: cat, expense_date: today, amount: 120.5, description: 'Electricity', payment_method: 'Card' }, shop.manager);
    assert.equal(a.status, 201, JSON.stringify(a.body));
    assert.equal(a.body.amount, 120.5);
    const b = await post('/api/expenses', { category_id: cat, expense_date: today, amount: 30 }, shop.manager);
    assert.equal((await patch(`/api/expenses/${b.body.id}`, { amount: 45.25 }, shop.manager)).body.amount, 45.25);
    await post('/api/expenses', { category_id: cat, expense_date: today, amount: 99 }, shop.manager).then((r) => del(`/api/expenses/${r.body.id}`, shop.manager));
    await settled(shop.shopId);
    const d = (await get('/api/dashboard', shop.token)).body;
    assert.equal(d.today.expenses, 165.75);
    assert.equal(d.month.expenses, 165.75);
    const events = await env().sql<{ seq: number; kind: string }[]>`select seq, kind from events where shop_id = ${shop.shopId} order by seq`;
    assert.deepEqual(events.map((e) => e.kind), ['expense_created', 'expense_created', 'expense_updated', 'expense_created', 'expense_deleted']);
    assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5]);
    const list = await get(`/api/expenses?from=${today}&to=${today}&search=electr`, shop.cashier);
    assert.equal(list.body.items.length, 1);
    assert.equal((await get(`/api/expenses?from=${today}&to=${today}`, shop.cashier)).body.total_amount, 165.75);
    const insights = (await get('/api/financial-insights?days=7', shop.token)).body;
    assert.equal(insights.current.expenses, 165.75);
    assert.equal(insights.expense_breakdown[0].amount, 165.75);
  });

  it('refuses bad amounts, other shops\' categories and unknown methods, writing nothing', async () => {
    const bad = [
      { category_id: rent, expense_date: '2026-11-01', amount: 1.234 },
      { category_id: rent, expense_date: '2026-11-01', amount: 0 },
      { category_id: rent, expense_date: 'yesterday', amount: 5 },
    ];
    for (const b of bad) assert.equal((await post('/api/expenses', b, s.manager)).status, 400);
    const theirs = (await get('/api/expense-categories', other.token)).body.items[0].id;
    assert.equal((await post('/api/expenses', { category_id: theirs, expense_date: '2026-11-01', amount: 5 }, s.manager)).status, 422);
    assert.equal((await post('/api/expenses', { category_id: rent, expense_date: '2026-11-01', amount: 5, payment_method: 'Gold' }, s.manager)).status, 422);
    assert.equal((await post('/api/expenses', { category_id: rent, expense_date: '2026-11-01', amount: 5 }, s.cashier)).status, 403);
    assert.equal((await get('/api/expenses', s.terminal)).status, 403);
    const [n] = await env().sql<{ n: number }[]>`select count(*)::int as n from expenses where shop_id = ${s.shopId} and amount_fils = 500`;
    assert.equal(n!.n, 0);
  });

  it('next due dates keep their anchor day', () => {
    const table: [string, 'daily' | 'weekly' | 'monthly' | 'yearly', number, string][] = [
      ['2026-01-31', 'monthly', 31, '2026-02-28'],
      ['2026-02-28', 'monthly', 31, '2026-03-31'],
      ['2028-01-31', 'monthly', 31, '2028-02-29'],
      ['2026-12-15', 'monthly', 15, '2027-01-15'],
      ['2024-02-29', 'yearly', 29, '2025-02-28'],
      ['2027-02-28', 'yearly', 29, '2028-02-29'],
      ['2026-12-31', 'daily', 31, '2027-01-01'],
      ['2026-12-29', 'weekly', 29, '2027-01-05'],
    ];
    for (const [from, f, anchor, next] of table) assert.equal(nextDueDate(from, f, anchor), next, `${from} ${f}`);
  });

  it('turns recurring definitions into expenses once per due date, even when run twice at once', async () => {
    const shop = await newShop();
    const cat = (await get('/api/expense-categories', shop.token)).body.items[0].id;
    const r = await post('/api/recurring-expenses', { category_id: cat, amount: 1000, frequency: 'monthly', start_date: '2026-08-31', description: 'Shop rent' }, shop.manager);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.equal((await post('/api/recurring-expenses', { category_id: cat, amount: 5, frequency: 'daily', start_date: '2026-05-02', end_date: '2026-05-01' }, shop.manager)).status, 400);
    const now = new Date('2026-11-28T12:00:00Z');
    await Promise.all([generateRecurringExpenses(env().sql, now), generateRecurringExpenses(env().sql, now)]);
    await generateRecurringExpenses(env().sql, now);
    const made = await env().sql<{ expense_date: string }[]>`select expense_date from expenses where shop_id = ${shop.shopId} order by expense_date`;
    assert.deepEqual(made.map((m) => m.expense_date), ['2026-08-31', '2026-09-30', '2026-10-31']);
    const def = (await get('/api/recurring-expenses', shop.cashier)).body.items[0];
    assert.equal(def.next_due, '2026-11-30');
    assert.equal((await patch(`/api/recurring-expenses/${def.id}`, { start_date: '2026-09-01' }, shop.manager)).status, 422);
    assert.equal((await patch(`/api/recurring-expenses/${def.id}`, { active: false }, shop.manager)).body.active, false);
    await env().aggregator.wake(shop.shopId);
    await settled(shop.shopId);
    const events = await env().sql`select count(*)::int as n from events where shop_id = ${shop.shopId} and kind = 'expense_created'`;
    assert.equal(events[0]!.n, 3);
    assert.equal((await del(`/api/recurring-expenses/${def.id}`, other.token)).status, 404);
    assert.equal((await del(`/api/recurring-expenses/${def.id}`, shop.manager)).status, 204);
  });
});
