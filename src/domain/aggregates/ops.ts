/**
 * Turns one event into the increments it makes to the shop's aggregates (a pure function, so the
 * same event always yields the same ops and tests can check them without Redis). The Lua script
 * apply-events.lua applies a batch of these atomically with the seq guard.
 *
 * What each figure means (snapshot.ts computes the same from Postgres; verify.ts compares them):
 * - day/month `rev`, `bills`, `vat`, day `h<H>`: bills not cancelled, by bill date (and creation hour)
 * - day/month `col`, `pm:<method>`: payments by the day they were taken; refunds are negative
 * - day/month `exp`: live expenses by expense date
 * - tot `open`/`out`: count and balance of Pending + Partial bills; tot `cust`: live customers
 * - month tops: product quantity and revenue, area revenue, customer bill count, employee revenue and bills
 * - cus `<id>:b|s|l`, emp `<id>:b|s`: bills and spend per customer / employee, last visit (ms)
 * - loy `<id>`: the customer's loyalty account as Postgres holds it after the event (JSON)
 */
import { type MonthlyTop, SUFFIX } from '../../redis/keys.ts';
import type { BillFacts, EventRow, ExpenseFacts, LoyaltySnapshot, PaymentFact } from '../events/index.ts';

export type OpCode = 'hi' | 'zi' | 'hs' | 'hm';
export interface Op {
  op: OpCode;
  key: string;
  field: string;
  value: string;
}

export type { EventRow };

const month = (day: string) => day.slice(0, 7);

class OpList {
  readonly ops: Op[] = [];
  hi(key: string, field: string, delta: number): this {
    if (delta !== 0) this.ops.push({ op: 'hi', key, field, value: String(delta) });
    return this;
  }
  zi(key: string, member: string | number, delta: number): this {
    if (delta !== 0) this.ops.push({ op: 'zi', key, field: String(member), value: String(delta) });
    return this;
  }
  hs(key: string, field: string, value: string): this {
    this.ops.push({ op: 'hs', key, field, value });
    return this;
  }
  hm(key: string, field: string, value: number): this {
    this.ops.push({ op: 'hm', key, field, value: String(value) });
    return this;
  }
}

/** Revenue-side contribution of a bill; sign -1 takes it back (cancellation). */
function billFacts(o: OpList, b: BillFacts, sign: 1 | -1): void {
  const d = SUFFIX.day(b.day);
  const m = SUFFIX.month(month(b.day));
  const top = (t: MonthlyTop) => SUFFIX.top(month(b.day), t);
  for (const k of [d, m]) o.hi(k, 'rev', sign * b.total).hi(k, 'bills', sign).hi(k, 'vat', sign * b.vat);
  o.hi(d, `h${b.hour}`, sign * b.total);
  for (const [productId, qty, total] of b.lines) {
    if (productId === null) continue;
    o.zi(top('pq'), productId, sign * qty).zi(top('pr'), productId, sign * total);
  }
  if (b.area) o.zi(top('area'), b.area, sign * b.total);
  if (b.customer_id !== null) {
    o.zi(top('cust'), b.customer_id, sign);
    o.hi(SUFFIX.cus, `${b.customer_id}:b`, sign).hi(SUFFIX.cus, `${b.customer_id}:s`, sign * b.total);
  }
  if (b.employee_id !== null) {
    o.zi(top('emp'), b.employee_id, sign * b.total).zi(top('empb'), b.employee_id, sign);
    o.hi(SUFFIX.emp, `${b.employee_id}:b`, sign).hi(SUFFIX.emp, `${b.employee_id}:s`, sign * b.total);
  }
}

function payments(o: OpList, list: PaymentFact[]): void {
  for (const [method, amount, day] of list) {
    for (const k of [SUFFIX.day(day), SUFFIX.month(month(day))]) o.hi(k, 'col', amount).hi(k, `pm:${method}`, amount);
  }
}

function expense(o: OpList, e: ExpenseFacts, sign: 1 | -1): void {
  o.hi(SUFFIX.day(e.expense_date), 'exp', sign * e.amount_fils);
  o.hi(SUFFIX.month(month(e.expense_date)), 'exp', sign * e.amount_fils);
}

export function loyaltyJson(s: LoyaltySnapshot): string {
  return JSON.stringify({
    available_points: s.available_points,
    lifetime_points: s.lifetime_points,
    tier_id: s.tier_id,
    tier: s.tier,
    total_spent_fils: s.total_spent_fils,
    visits: s.visits,
    last_purchase: s.last_purchase,
  });
}

function names(o: OpList, b: BillFacts): void {
  for (const [kind, map] of Object.entries(b.names)) {
    for (const [id, name] of Object.entries(map)) o.hs(SUFFIX.names, `${kind}:${id}`, name);
  }
}

export function opsFor(e: EventRow): Op[] {
  const o = new OpList();
  switch (e.kind) {
    case 'bill_created': {
      const p = e.payload;
      billFacts(o, p, 1);
      payments(o, p.payments);
      if (p.status !== 'Paid') o.hi(SUFFIX.tot, 'open', 1).hi(SUFFIX.tot, 'out', p.total - p.paid);
      if (p.customer_id !== null) o.hm(SUFFIX.cus, `${p.customer_id}:l`, p.created_ms);
      if (p.new_customer) o.hi(SUFFIX.tot, 'cust', 1);
      if (p.loyalty) o.hs(SUFFIX.loy, String(p.loyalty.customer_id), loyaltyJson(p.loyalty));
      names(o, p);
      break;
    }
    case 'payment_added': {
      const p = e.payload;
      payments(o, [p.payment]);
      o.hi(SUFFIX.tot, 'out', -p.payment[1]);
      if (p.status_after === 'Paid') o.hi(SUFFIX.tot, 'open', -1);
      break;
    }
    case 'bill_cancelled': {
      const p = e.payload;
      billFacts(o, p, -1);
      payments(o, p.refunds);
      if (p.status_before !== 'Paid') o.hi(SUFFIX.tot, 'open', -1).hi(SUFFIX.tot, 'out', -(p.total - p.paid_before));
      if (p.loyalty) o.hs(SUFFIX.loy, String(p.loyalty.customer_id), loyaltyJson(p.loyalty));
      break;
    }
    case 'expense_created':
      expense(o, e.payload, 1);
      break;
    case 'expense_updated': {
      const p = e.payload;
      if (p.previous) expense(o, p.previous, -1);
      expense(o, p, 1);
      break;
    }
    case 'expense_deleted':
      expense(o, e.payload, -1);
      break;
    case 'customer_created':
      o.hi(SUFFIX.tot, 'cust', 1);
      break;
    case 'customer_deleted':
      o.hi(SUFFIX.tot, 'cust', -1);
      break;
    case 'timezone_changed':
      // nothing to add up: applying it makes catch-up.ts rebuild the shop in the new zone
      break;
    case 'loyalty_retiered':
      for (const a of e.payload.accounts) o.hs(SUFFIX.loy, String(a.customer_id), loyaltyJson(a));
      break;
  }
  return o.ops;
}
