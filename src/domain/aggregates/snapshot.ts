/**
 * A shop's aggregates computed from Postgres, in the exact layout ops.ts builds incrementally.
 * Used to rebuild Redis (from one REPEATABLE READ snapshot, figures and seq together) and by
 * verify to check that what the events built equals what the tables say.
 */
import type { Db, Sql } from '../../db/client.ts';
import { SUFFIX } from '../../redis/keys.ts';
import { loyaltyJson } from './ops.ts';

export type Bucket = { h: Record<string, string> } | { z: Record<string, number> };
export type ShopState = Record<string, Bucket>;

export interface Snapshot {
  seq: number;
  state: ShopState;
}

const month = (day: string) => day.slice(0, 7);

class Builder {
  readonly state: ShopState = {};
  private hash(key: string): Record<string, string> {
    let b = this.state[key];
    if (!b) {
      b = { h: {} };
      this.state[key] = b;
    }
    return (b as { h: Record<string, string> }).h;
  }
  private zset(key: string): Record<string, number> {
    let b = this.state[key];
    if (!b) {
      b = { z: {} };
      this.state[key] = b;
    }
    return (b as { z: Record<string, number> }).z;
  }
  add(key: string, field: string, n: number | string): void {
    const v = Number(n);
    if (v === 0) return;
    const h = this.hash(key);
    h[field] = String(Number(h[field] ?? 0) + v);
  }
  set(key: string, field: string, value: string): void {
    this.hash(key)[field] = value;
  }
  z(key: string, member: string | number, n: number | string): void {
    const v = Number(n);
    if (v <= 0) return;
    this.zset(key)[String(member)] = v;
  }
}

export interface SnapshotOptions {
  /** Only bills, payments and expenses on or after this shop-local date (the dashboard's window). */
  since?: string;
  /** Skip what the dashboard does not show (per-customer, per-employee, loyalty). */
  dashboardOnly?: boolean;
}

/** Computes the state inside the caller's (REPEATABLE READ) transaction. Undefined for an unknown shop. */
export async function computeShopState(tx: Db, shopId: number, opts: SnapshotOptions = {}): Promise<Snapshot | undefined> {
  const [head] = await tx<{ seq: number; tz: string }[]>`
    select c.event_seq as seq, s.timezone as tz
    from shop_counters c join shop_settings s on s.shop_id = c.shop_id
    where c.shop_id = ${shopId}`;
  if (!head) return undefined;
  const tz = head.tz;
  const b = new Builder();
  const since = opts.since;
  const billsSince = since ? tx`and bill_date >= ${since}` : tx``;
  const linesSince = since ? tx`and b.bill_date >= ${since}` : tx``;
  const paidSince = since ? tx`and paid_at >= (${since}::date::timestamp at time zone ${tz})` : tx``;
  const expSince = since ? tx`and expense_date >= ${since}` : tx``;

  const days = await tx<{ day: string; rev: number; bills: number; vat: number }[]>`
    select bill_date as day, sum(total_fils)::bigint as rev, count(*)::int as bills, sum(vat_fils)::bigint as vat
    from bills where shop_id = ${shopId} and status <> 'Cancelled' ${billsSince} group by bill_date`;
  for (const d of days) {
    for (const k of [SUFFIX.day(d.day), SUFFIX.month(month(d.day))]) {
      b.add(k, 'rev', d.rev);
      b.add(k, 'bills', d.bills);
      b.add(k, 'vat', d.vat);
    }
  }
  const hours = await tx<{ day: string; h: number; rev: number }[]>`
    select bill_date as day, extract(hour from created_at at time zone ${tz})::int as h, sum(total_fils)::bigint as rev
    from bills where shop_id = ${shopId} and status <> 'Cancelled' ${billsSince} group by 1, 2`;
  for (const h of hours) b.add(SUFFIX.day(h.day), `h${h.h}`, h.rev);

  const pays = await tx<{ day: string; method: string; amount: number }[]>`
    select (paid_at at time zone ${tz})::date as day, method, sum(amount_fils)::bigint as amount
    from payments where shop_id = ${shopId} ${paidSince} group by 1, 2`;
  for (const p of pays) {
    for (const k of [SUFFIX.day(p.day), SUFFIX.month(month(p.day))]) {
      b.add(k, 'col', p.amount);
      b.add(k, `pm:${p.method}`, p.amount);
    }
  }

  const exps = await tx<{ day: string; amount: number }[]>`
    select expense_date as day, sum(amount_fils)::bigint as amount
    from expenses where shop_id = ${shopId} and deleted_at is null ${expSince} group by 1`;
  for (const e of exps) {
    b.add(SUFFIX.day(e.day), 'exp', e.amount);
    b.add(SUFFIX.month(month(e.day)), 'exp', e.amount);
  }

  const [open] = await tx<{ n: number; out: number }[]>`
    select count(*)::int as n, coalesce(sum(total_fils - paid_fils), 0)::bigint as out
    from bills where shop_id = ${shopId} and status in ('Pending', 'Partial')`;
  b.add(SUFFIX.tot, 'open', open!.n);
  b.add(SUFFIX.tot, 'out', open!.out);
  const [cust] = await tx<{ n: number }[]>`select count(*)::int as n from customers where shop_id = ${shopId} and deleted_at is null`;
  b.add(SUFFIX.tot, 'cust', cust!.n);

  const products = await tx<{ m: string; id: number; qty: number; rev: number }[]>`
    select to_char(b.bill_date, 'YYYY-MM') as m, l.product_id as id, sum(l.quantity)::bigint as qty, sum(l.total_fils)::bigint as rev
    from bill_lines l join bills b on b.shop_id = l.shop_id and b.id = l.bill_id
    where l.shop_id = ${shopId} and b.status <> 'Cancelled' and l.product_id is not null ${linesSince}
    group by 1, 2`;
  for (const p of products) {
    b.z(SUFFIX.top(p.m, 'pq'), p.id, p.qty);
    b.z(SUFFIX.top(p.m, 'pr'), p.id, p.rev);
  }
  const areas = await tx<{ m: string; area: string; rev: number }[]>`
    select to_char(bill_date, 'YYYY-MM') as m, customer_area as area, sum(total_fils)::bigint as rev
    from bills where shop_id = ${shopId} and status <> 'Cancelled' and coalesce(customer_area, '') <> '' ${billsSince}
    group by 1, 2`;
  for (const a of areas) b.z(SUFFIX.top(a.m, 'area'), a.area, a.rev);
  const custTop = await tx<{ m: string; id: number; n: number }[]>`
    select to_char(bill_date, 'YYYY-MM') as m, customer_id as id, count(*)::int as n
    from bills where shop_id = ${shopId} and status <> 'Cancelled' and customer_id is not null ${billsSince} group by 1, 2`;
  for (const c of custTop) b.z(SUFFIX.top(c.m, 'cust'), c.id, c.n);
  const empTop = await tx<{ m: string; id: number; n: number; rev: number }[]>`
    select to_char(bill_date, 'YYYY-MM') as m, employee_id as id, count(*)::int as n, sum(total_fils)::bigint as rev
    from bills where shop_id = ${shopId} and status <> 'Cancelled' and employee_id is not null ${billsSince} group by 1, 2`;
  for (const e of empTop) {
    b.z(SUFFIX.top(e.m, 'emp'), e.id, e.rev);
    b.z(SUFFIX.top(e.m, 'empb'), e.id, e.n);
  }

  if (opts.dashboardOnly) {
    const names = await tx<{ k: string; id: number; name: string }[]>`
      select 'p' as k, id, name from products where shop_id = ${shopId}
      union all select 'e', id, name from employees where shop_id = ${shopId}
      union all select 'c', c.id, c.name from customers c
        where c.shop_id = ${shopId} and c.id in (select customer_id from bills where shop_id = ${shopId} ${billsSince})`;
    for (const n of names) b.set(SUFFIX.names, `${n.k}:${n.id}`, n.name);
    return { seq: head.seq, state: b.state };
  }

  const perCustomer = await tx<{ id: number; n: number; spent: number; last_ms: number }[]>`
    select customer_id as id,
           count(*) filter (where status <> 'Cancelled')::int as n,
           coalesce(sum(total_fils) filter (where status <> 'Cancelled'), 0)::bigint as spent,
           floor(extract(epoch from max(created_at)) * 1000)::bigint as last_ms
    from bills where shop_id = ${shopId} and customer_id is not null group by 1`;
  for (const c of perCustomer) {
    b.add(SUFFIX.cus, `${c.id}:b`, c.n);
    b.add(SUFFIX.cus, `${c.id}:s`, c.spent);
    b.set(SUFFIX.cus, `${c.id}:l`, String(c.last_ms));
  }
  const perEmployee = await tx<{ id: number; n: number; sales: number }[]>`
    select employee_id as id, count(*)::int as n, sum(total_fils)::bigint as sales
    from bills where shop_id = ${shopId} and status <> 'Cancelled' and employee_id is not null group by 1`;
  for (const e of perEmployee) {
    b.add(SUFFIX.emp, `${e.id}:b`, e.n);
    b.add(SUFFIX.emp, `${e.id}:s`, e.sales);
  }

  const accounts = await tx<
    { customer_id: number; available_points: number; lifetime_points: number; tier_id: number | null; tier: string | null; total_spent_fils: number; visits: number; last_purchase: Date | null }[]
  >`
    select a.customer_id, a.available_points, a.lifetime_points, a.tier_id, t.name as tier, a.total_spent_fils, a.visits, a.last_purchase
    from loyalty_accounts a left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
    where a.shop_id = ${shopId}`;
  for (const a of accounts) {
    b.set(SUFFIX.loy, String(a.customer_id), loyaltyJson({ ...a, last_purchase: a.last_purchase?.toISOString() ?? null }));
  }

  const names = await tx<{ k: string; id: number; name: string }[]>`
    select 'p' as k, id, name from products where shop_id = ${shopId}
    union all select 'e', id, name from employees where shop_id = ${shopId}
    union all select 'c', c.id, c.name from customers c
      where c.shop_id = ${shopId} and exists (select 1 from bills b where b.shop_id = c.shop_id and b.customer_id = c.id)`;
  for (const n of names) b.set(SUFFIX.names, `${n.k}:${n.id}`, n.name);

  return { seq: head.seq, state: b.state };
}

/** Runs computeShopState in its own REPEATABLE READ, read-only transaction. */
export async function snapshotShop(sql: Sql, shopId: number, opts: SnapshotOptions = {}): Promise<Snapshot | undefined> {
  return sql.begin('isolation level repeatable read read only', (tx) => computeShopState(tx, shopId, opts));
}
