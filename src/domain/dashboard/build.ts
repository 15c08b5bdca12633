/**
 * Builds the GET /api/dashboard document from a ShopState (the aggregate layout of ops.ts).
 * The same builder serves both sources: the few Redis keys read for a request, and a SQL
 * snapshot when Redis has no state for the shop (rebuild in progress). So the two can never
 * disagree on what a figure means.
 */
import { SUFFIX } from '../../redis/keys.ts';
import type { ShopState } from '../aggregates/index.ts';
import { addDays, addMonths, cached, createCache, fromFils, type Cache } from '../common/index.ts';

export interface DashboardWindow {
  today: string;
  /** days shown in `daily` (default 30) */
  days?: number;
  /** months shown in `monthly` (default 12) */
  months?: number;
  /** entries in each top list (default 10) */
  top?: number;
}

type WindowKeys = { readonly days: readonly string[]; readonly month: string; readonly months: readonly string[] };
/** Windows by (today, days, months): every shop in a zone shares one, and the publisher reads a dashboard per bill. */
const windows: Cache<string, WindowKeys> = createCache({ max: 64 }); // a few dates and zones are ever current

export function windowKeys(w: DashboardWindow): WindowKeys {
  const id = `${w.today}/${w.days ?? 30}/${w.months ?? 12}`;
  return cached(windows, id, () => {
    const days = Array.from({ length: w.days ?? 30 }, (_, i) => addDays(w.today, i - (w.days ?? 30) + 1));
    const month = w.today.slice(0, 7);
    const months = Array.from({ length: w.months ?? 12 }, (_, i) => addMonths(month, i - (w.months ?? 12) + 1));
    return Object.freeze({ days: Object.freeze(days), month, months: Object.freeze(months) });
  });
}

const num = (v: string | undefined) => Number(v ?? 0);

function hash(state: ShopState, key: string): Record<string, string> {
  const b = state[key];
  return b && 'h' in b ? b.h : {};
}

/**
 * Members of a top list, highest score first, ties by member in reverse byte order: the order
 * Redis's ZREVRANGE picks the top N in (read-dashboard.lua). With any other tie-break, a list cut
 * at N inside a tie named other members from Redis than from the SQL fallback.
 */
function top(state: ShopState, key: string, n: number): [string, number][] {
  const b = state[key];
  if (!b || !('z' in b)) return [];
  return Object.entries(b.z)
    .filter(([, s]) => s > 0)
    .sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? 1 : x[0] > y[0] ? -1 : 0))
    .slice(0, n);
}

export function buildDashboard(state: ShopState, seq: number, w: DashboardWindow) {
  const n = w.top ?? 10;
  const { days, month, months } = windowKeys(w);
  const today = hash(state, SUFFIX.day(w.today));
  const thisMonth = hash(state, SUFFIX.month(month));
  const tot = hash(state, SUFFIX.tot);
  const names = hash(state, SUFFIX.names);
  const name = (kind: string, id: string): string | null => names[`${kind}:${id}`] ?? null;
  const todayRevenue = num(today.rev);
  const todayBills = num(today.bills);
  const monthRevenue = num(thisMonth.rev);
  const byRevenue = top(state, SUFFIX.top(month, 'pr'), n);
  const qtyOf = Object.fromEntries(top(state, SUFFIX.top(month, 'pq'), Number.MAX_SAFE_INTEGER));
  const revOf = Object.fromEntries(top(state, SUFFIX.top(month, 'pr'), Number.MAX_SAFE_INTEGER));
  const empBills = Object.fromEntries(top(state, SUFFIX.top(month, 'empb'), Number.MAX_SAFE_INTEGER));

  return {
    seq,
    today: {
      date: w.today,
      revenue: fromFils(todayRevenue),
      bills: todayBills,
      avg_bill: todayBills ? fromFils(Math.round(todayRevenue / todayBills)) : 0,
      vat: fromFils(num(today.vat)),
      collected: fromFils(num(today.col)),
      outstanding: fromFils(num(tot.out)),
      expenses: fromFils(num(today.exp)),
    },
    month: {
      month,
      revenue: fromFils(monthRevenue),
      bills: num(thisMonth.bills),
      vat: fromFils(num(thisMonth.vat)),
      collected: fromFils(num(thisMonth.col)),
      expenses: fromFils(num(thisMonth.exp)),
    },
    open_bills: num(tot.open),
    outstanding: fromFils(num(tot.out)),
    customers: num(tot.cust),
    monthly: months.map((m) => {
      const h = hash(state, SUFFIX.month(m));
      return { month: m, revenue: fromFils(num(h.rev)), expenses: fromFils(num(h.exp)), bills: num(h.bills) };
    }),
    daily: days.map((d) => {
      const h = hash(state, SUFFIX.day(d));
      return { date: d, revenue: fromFils(num(h.rev)), bills: num(h.bills), collected: fromFils(num(h.col)), expenses: fromFils(num(h.exp)) };
    }),
    hourly: Array.from({ length: 24 }, (_, hour) => ({ hour, revenue: fromFils(num(today[`h${hour}`])) })),
    top_products: byRevenue.map(([id, rev]) => ({ product_id: Number(id), name: name('p', id), quantity: qtyOf[id] ?? 0, revenue: fromFils(rev) })),
    top_products_by_quantity: top(state, SUFFIX.top(month, 'pq'), n).map(([id, q]) => ({
      product_id: Number(id),
      name: name('p', id),
      quantity: q,
      revenue: fromFils(revOf[id] ?? 0),
    })),
    top_areas: top(state, SUFFIX.top(month, 'area'), n).map(([area, rev]) => ({ area, revenue: fromFils(rev) })),
    top_customers: top(state, SUFFIX.top(month, 'cust'), n).map(([id, bills]) => ({ customer_id: Number(id), name: name('c', id), bills })),
    employees: top(state, SUFFIX.top(month, 'emp'), n).map(([id, rev]) => ({
      employee_id: Number(id),
      name: name('e', id),
      bills: empBills[id] ?? 0,
      revenue: fromFils(rev),
      share: monthRevenue ? Math.round((rev / monthRevenue) * 10000) / 100 : 0,
    })),
    payment_methods: Object.entries(thisMonth)
      .filter(([f, v]) => f.startsWith('pm:') && num(v) !== 0)
      .map(([f, v]) => ({ method: f.slice(3), amount: fromFils(num(v)) }))
      .sort((a, b) => b.amount - a.amount || a.method.localeCompare(b.method)),
  };
}

export type Dashboard = ReturnType<typeof buildDashboard>;
