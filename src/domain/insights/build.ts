/**
 * Financial insights (DOMAIN.md section 8) from daily buckets: a period and the previous period
 * of equal length. Profit is computed from revenue WITHOUT VAT (the original app's fault was to
 * use revenue with VAT): profit = (revenue − VAT) − expenses; margin = profit / net revenue.
 */
import { SUFFIX } from '../../redis/keys.ts';
import type { ShopState } from '../aggregates/index.ts';
import { dayRange, fromFils, weekStart } from '../common/index.ts';

export type Granularity = 'daily' | 'weekly' | 'monthly';

interface Totals {
  revenue: number;
  vat: number;
  expenses: number;
  collected: number;
  bills: number;
}

const num = (v: string | undefined) => Number(v ?? 0);

function dayFigures(state: ShopState, day: string): Totals & { methods: Record<string, number> } {
  const b = state[SUFFIX.day(day)];
  const h = b && 'h' in b ? b.h : {};
  const methods: Record<string, number> = {};
  for (const [f, v] of Object.entries(h)) if (f.startsWith('pm:')) methods[f.slice(3)] = num(v);
  return { revenue: num(h.rev), vat: num(h.vat), expenses: num(h.exp), collected: num(h.col), bills: num(h.bills), methods };
}

function sum(state: ShopState, days: string[]): Totals & { methods: Record<string, number> } {
  const t = { revenue: 0, vat: 0, expenses: 0, collected: 0, bills: 0, methods: {} as Record<string, number> };
  for (const d of days) {
    const f = dayFigures(state, d);
    t.revenue += f.revenue;
    t.vat += f.vat;
    t.expenses += f.expenses;
    t.collected += f.collected;
    t.bills += f.bills;
    for (const [m, v] of Object.entries(f.methods)) t.methods[m] = (t.methods[m] ?? 0) + v;
  }
  return t;
}

function present(t: Totals) {
  const net = t.revenue - t.vat;
  const profit = net - t.expenses;
  return {
    revenue: fromFils(t.revenue),
    net_revenue: fromFils(net),
    vat_collected: fromFils(t.vat),
    expenses: fromFils(t.expenses),
    profit: fromFils(profit),
    margin: net ? Math.round((profit / net) * 10000) / 100 : 0,
    bills: t.bills,
    avg_bill: t.bills ? fromFils(Math.round(t.revenue / t.bills)) : 0,
  };
}

const pct = (cur: number, prev: number) => (prev === 0 ? null : Math.round(((cur - prev) / Math.abs(prev)) * 10000) / 100);

export interface InsightsPeriod {
  from: string;
  to: string;
  previousFrom: string;
  previousTo: string;
  granularity: Granularity;
}

export function buildInsights(state: ShopState, p: InsightsPeriod, outstandingFils: number, expenseBreakdown: { category: string; amount: number }[]) {
  const days = dayRange(p.from, p.to);
  const cur = sum(state, days);
  const prev = sum(state, dayRange(p.previousFrom, p.previousTo));
  const current = present(cur);
  const previous = present(prev);
  const change = Object.fromEntries(
    (Object.keys(current) as (keyof typeof current)[]).map((k) => [k, pct(current[k], previous[k])]),
  );
  const buckets = new Map<string, Totals>();
  for (const d of days) {
    const key = p.granularity === 'daily' ? d : p.granularity === 'weekly' ? weekStart(d) : d.slice(0, 7);
    const f = dayFigures(state, d);
    const t = buckets.get(key) ?? { revenue: 0, vat: 0, expenses: 0, collected: 0, bills: 0 };
    t.revenue += f.revenue;
    t.vat += f.vat;
    t.expenses += f.expenses;
    t.collected += f.collected;
    t.bills += f.bills;
    buckets.set(key, t);
  }
  return {
    period: { from: p.from, to: p.to, previous_from: p.previousFrom, previous_to: p.previousTo, granularity: p.granularity },
    current,
    previous,
    change,
    cash_flow: {
      invoiced: fromFils(cur.revenue),
      collected: fromFils(cur.collected),
      outstanding: fromFils(outstandingFils),
      by_method: Object.entries(cur.methods)
        .filter(([, v]) => v !== 0)
        .map(([method, v]) => ({ method, amount: fromFils(v) }))
        .sort((a, b) => b.amount - a.amount || a.method.localeCompare(b.method)),
    },
    trends: [...buckets.entries()].map(([period, t]) => ({
      period,
      revenue: fromFils(t.revenue),
      net_revenue: fromFils(t.revenue - t.vat),
      expenses: fromFils(t.expenses),
      profit: fromFils(t.revenue - t.vat - t.expenses),
      collected: fromFils(t.collected),
      bills: t.bills,
    })),
    expense_breakdown: expenseBreakdown,
  };
}
