/**
 * Customers (DOMAIN.md section 2). Phones are stored in E.164 and unique per shop among live
 * customers; a business needs its business name. Creating and deleting a customer are events
 * (the dashboard's customer count moves). List rows carry bill count, total spent and last visit
 * from the aggregates (figures.ts).
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { fromFils, likePattern, normalizePhone, offsetOf, pageResult, phoneFragment } from '../common/index.ts';
import { SUFFIX } from '../../redis/keys.ts';
import { appendEvent } from '../events/index.ts';
import { customerFigures, type FiguresDeps } from './figures.ts';
import type { CreateCustomerBody, ListCustomersQuery, PatchCustomerBody } from './schema.ts';

export interface CustomerRow {
  id: number;
  name: string;
  phone: string;
  customer_type: 'Individual' | 'Business';
  business_name: string | null;
  trn: string | null;
  email: string | null;
  city: string | null;
  area: string | null;
  address: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = ['id', 'name', 'phone', 'customer_type', 'business_name', 'trn', 'email', 'city', 'area', 'address', 'active', 'created_at', 'updated_at'];

async function withFigures(deps: FiguresDeps, shopId: number, rows: CustomerRow[]) {
  const figures = await customerFigures(deps, shopId, rows.map((r) => r.id));
  return rows.map((r) => {
    const f = figures.get(r.id);
    return { ...r, total_bills: f?.bills ?? 0, total_spent: fromFils(f?.spentFils ?? 0), last_visit: f?.lastVisitMs ? new Date(f.lastVisitMs) : null };
  });
}

/**
 * A page of customers by name. Unfiltered, the total is the shop's live-customer count kept in
 * the aggregates (exact up to the few milliseconds the aggregator lags; counting 100,000 rows
 * per request would cost more than the page). A search first collects the matches through the
 * trigram indexes (a materialized CTE, so the planner cannot choose to walk the name index and
 * filter most of the shop, which is slow when the matches sort late), then sorts and counts them.
 */
export async function listCustomers(deps: FiguresDeps & { sql: Sql }, p: Principal, q: ListCustomersQuery) {
  const { sql } = deps;
  const term = q.search?.trim();
  if (!term) {
    const [rows, total] = await Promise.all([
      sql<CustomerRow[]>`
        select ${sql(COLUMNS)} from customers where shop_id = ${p.shopId} and deleted_at is null
        order by lower(name), id limit ${q.per_page} offset ${offsetOf(q)}`,
      liveCustomerCount(deps, p.shopId),
    ]);
    return pageResult(await withFigures(deps, p.shopId, rows), q, total);
  }
  const digits = phoneFragment(term);
  // Only (id, sort key) of the matches are kept and sorted; whole rows are read for the page alone.
  const rows = await sql<(CustomerRow & { total: number })[]>`
    with matches as materialized (
      select id, lower(name) as k from customers
      where shop_id = ${p.shopId} and deleted_at is null
        and (name ilike ${likePattern(term)} or business_name ilike ${likePattern(term)}
             ${digits ? sql`or phone like ${likePattern(digits)}` : sql``})
    ), page as (
      select id, k, count(*) over ()::int as total from matches order by k, id limit ${q.per_page} offset ${offsetOf(q)}
    )
    select ${sql(COLUMNS.map((c) => `c.${c}`))}, page.total
    from page join customers c on c.shop_id = ${p.shopId} and c.id = page.id
    order by page.k, page.id`;
  const total = rows[0]?.total ?? (offsetOf(q) > 0 ? await countMatches(sql, p.shopId, term, digits) : 0);
  return pageResult(await withFigures(deps, p.shopId, rows.map(({ total: _t, ...r }) => r as CustomerRow)), q, total);
}

async function countMatches(sql: Sql, shopId: number, term: string, digits: string): Promise<number> {
  const [r] = await sql<{ n: number }[]>`
    select count(*)::int as n from customers where shop_id = ${shopId} and deleted_at is null
      and (name ilike ${likePattern(term)} or business_name ilike ${likePattern(term)}
           ${digits ? sql`or phone like ${likePattern(digits)}` : sql``})`;
  return r!.n;
}

async function liveCustomerCount(deps: FiguresDeps & { sql: Sql }, shopId: number): Promise<number> {
  const shop = deps.keys.agg(shopId);
  const [[, seq], [, n]] = (await deps.redis.pipeline().hget(shop.meta, 'seq').hget(shop.full(SUFFIX.tot), 'cust').exec()) as [
    [unknown, string | null],
    [unknown, string | null],
  ];
  if (seq !== null) return Number(n ?? 0);
  const [r] = await deps.sql<{ n: number }[]>`select count(*)::int as n from customers where shop_id = ${shopId} and deleted_at is null`;
  return r!.n;
}

/** Customers of the most recent bills, newest first, each once. */
export async function recentCustomers(deps: FiguresDeps & { sql: Sql }, p: Principal, limit: number) {
  const rows = await deps.sql<CustomerRow[]>`
    select ${deps.sql(COLUMNS.map((c) => `c.${c}`))} from (
      select customer_id, max(created_at) as at from (
        select customer_id, created_at from bills
        where shop_id = ${p.shopId} and customer_id is not null order by created_at desc limit ${limit * 20}
      ) recent group by customer_id
    ) r join customers c on c.shop_id = ${p.shopId} and c.id = r.customer_id and c.deleted_at is null
    order by r.at desc limit ${limit}`;
  return { items: await withFigures(deps, p.shopId, rows) };
}

export async function getCustomer(deps: FiguresDeps, p: Principal, id: number) {
  const [row] = await deps.sql<CustomerRow[]>`
    select ${deps.sql(COLUMNS)} from customers where shop_id = ${p.shopId} and id = ${id} and deleted_at is null`;
  if (!row) throw ERRORS.notFound('Customer');
  return (await withFigures(deps, p.shopId, [row]))[0]!;
}

/** A business needs its name (blank is none). `prefix` names the field where it came from (`customer.` in a bill). */
function checkBusiness(type: string | undefined, businessName: string | null | undefined, prefix = ''): void {
  if (type === 'Business' && !businessName?.trim()) {
    throw ERRORS.validation([{ field: `${prefix}business_name`, message: 'is required for a business customer' }]);
  }
}

/** The customer a bill names: the snapshot a bill keeps of it. */
export interface BillCustomer {
  id: number;
  name: string;
  phone: string;
  city: string | null;
  area: string | null;
  trn: string | null;
  customer_type: string;
}

/** What a bill may say of a customer it creates (API.md: `customer: {phone, name, ...}`). */
export interface NewCustomerRef {
  phone: string;
  name: string;
  city?: string;
  area?: string;
  customer_type?: 'Individual' | 'Business';
  business_name?: string;
  trn?: string;
}

/**
 * The row a bill creates for a customer it names by phone, by the same rules as createCustomer
 * (E.164 phone, a business with its name); 422 otherwise. Pure: the bill's one-statement write
 * (billing/write.ts) inserts it.
 */
export function newCustomerRow(ref: NewCustomerRef) {
  const phone = normalizePhone(ref.phone, 'customer.phone');
  const type = ref.customer_type ?? 'Individual';
  checkBusiness(type, ref.business_name, 'customer.');
  return {
    name: ref.name.trim(),
    phone,
    city: ref.city ?? null,
    area: ref.area ?? null,
    customer_type: type,
    business_name: ref.business_name ?? null,
    trn: ref.trn ?? null,
  };
}

export async function createCustomer(sql: Sql, p: Principal, body: CreateCustomerBody): Promise<CustomerRow> {
  const phone = normalizePhone(body.phone);
  checkBusiness(body.customer_type, body.business_name);
  return sql.begin(async (tx) => {
    const [row] = await tx<CustomerRow[]>`
      insert into customers (shop_id, name, phone, customer_type, business_name, trn, email, city, area, address)
      values (${p.shopId}, ${body.name.trim()}, ${phone}, ${body.customer_type ?? 'Individual'}, ${body.business_name ?? null},
              ${body.trn ?? null}, ${body.email ?? null}, ${body.city ?? null}, ${body.area ?? null}, ${body.address ?? null})
      returning ${tx(COLUMNS)}`;
    await appendEvent(tx, p.shopId, 'customer_created', row!.id, { customer_id: row!.id });
    return row!;
  });
}

export async function patchCustomer(sql: Db, p: Principal, id: number, body: PatchCustomerBody): Promise<CustomerRow> {
  const changes: Record<string, unknown> = { ...body };
  if (body.phone !== undefined) changes.phone = normalizePhone(body.phone);
  if (body.name !== undefined) changes.name = body.name.trim();
  const [current] = await sql<CustomerRow[]>`
    select customer_type, business_name from customers where shop_id = ${p.shopId} and id = ${id} and deleted_at is null`;
  if (!current) throw ERRORS.notFound('Customer');
  checkBusiness(body.customer_type ?? current.customer_type, body.business_name === undefined ? current.business_name : body.business_name);
  const [row] = await sql<CustomerRow[]>`
    update customers set ${sql(changes as Record<string, string>, Object.keys(changes))}, updated_at = now()
    where shop_id = ${p.shopId} and id = ${id} and deleted_at is null
    returning ${sql(COLUMNS)}`;
  if (!row) throw ERRORS.notFound('Customer');
  return row;
}

export async function deleteCustomer(sql: Sql, p: Principal, id: number): Promise<void> {
  await sql.begin(async (tx) => {
    const rows = await tx`update customers set deleted_at = now() where shop_id = ${p.shopId} and id = ${id} and deleted_at is null returning id`;
    if (rows.length === 0) throw ERRORS.notFound('Customer');
    await appendEvent(tx, p.shopId, 'customer_deleted', id, { customer_id: id });
  });
}
