/** SQL of product types and products. Every query is scoped by shop and ignores soft-deleted rows. */
import type { Db } from '../../db/client.ts';
import { likePattern } from '../common/index.ts';

export interface ProductRow {
  id: number;
  type_id: number;
  type_name: string;
  name: string;
  rate_fils: number;
  barcode: string | null;
  description: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface ProductTypeRow {
  id: number;
  name: string;
  product_count: number;
  created_at: Date;
}

export interface ProductFilter {
  search?: string;
  typeId?: number;
  barcode?: string;
  active?: boolean;
}

/** Columns written by create and update (API field names mapped to columns by the service). */
export interface ProductColumns {
  type_id?: number;
  name?: string;
  rate_fils?: number;
  barcode?: string | null;
  description?: string | null;
  active?: boolean;
}

/** Live types ordered by name; product_count counts live products (only active ones when `activeOnly`). */
export async function listTypes(sql: Db, shopId: number, activeOnly: boolean, typeId?: number): Promise<ProductTypeRow[]> {
  return sql<ProductTypeRow[]>`
    select t.id, t.name, t.created_at, count(p.id)::int as product_count
    from product_types t
    left join products p on p.shop_id = t.shop_id and p.type_id = t.id and p.deleted_at is null
      ${activeOnly ? sql`and p.active` : sql``}
    where t.shop_id = ${shopId} and t.deleted_at is null ${typeId ? sql`and t.id = ${typeId}` : sql``}
    group by t.id
    order by lower(t.name), t.id`;
}

export async function insertType(sql: Db, shopId: number, name: string): Promise<ProductTypeRow> {
  const [row] = await sql<ProductTypeRow[]>`
    insert into product_types (shop_id, name) values (${shopId}, ${name})
    returning id, name, created_at, 0 as product_count`;
  return row!;
}

/** Returns false when the type is missing, deleted or another shop's. */
export async function renameType(sql: Db, shopId: number, id: number, name: string): Promise<boolean> {
  const rows = await sql`
    update product_types set name = ${name}
    where shop_id = ${shopId} and id = ${id} and deleted_at is null returning id`;
  return rows.length > 0;
}

/**
 * Locks a live type of the shop. `update` is taken by type deletion, `share` by product writes
 * that point at the type, so a type cannot be deleted while a product is being attached to it.
 */
export async function lockType(sql: Db, shopId: number, id: number, mode: 'update' | 'share'): Promise<boolean> {
  const rows = await sql`
    select id from product_types where shop_id = ${shopId} and id = ${id} and deleted_at is null
    ${mode === 'update' ? sql`for update` : sql`for share`}`;
  return rows.length > 0;
}

export async function typeHasProducts(sql: Db, shopId: number, typeId: number): Promise<boolean> {
  const [row] = await sql<{ used: boolean }[]>`
    select exists (
      select 1 from products where shop_id = ${shopId} and type_id = ${typeId} and deleted_at is null
    ) as used`;
  return row!.used;
}

export async function softDeleteType(sql: Db, shopId: number, id: number): Promise<void> {
  await sql`update product_types set deleted_at = now() where shop_id = ${shopId} and id = ${id} and deleted_at is null`;
}

/** The columns of ProductRow, from products `p` and product_types `t`. */
const productColumns = (sql: Db) =>
  sql`p.id, p.type_id, t.name as type_name, p.name, p.rate_fils, p.barcode, p.description, p.active, p.created_at, p.updated_at`;

/**
 * Products of the shop changed after `since` (updated_at, which every write of a product sets),
 * deleted and inactive ones included, oldest change first, with the total.
 */
export async function changedProducts(sql: Db, shopId: number, since: string, limit: number, offset: number) {
  const match = sql`p.shop_id = ${shopId} and p.updated_at > ${since}::timestamptz`;
  const [rows, [count]] = await Promise.all([
    sql<(ProductRow & { deleted: boolean })[]>`
      select ${productColumns(sql)}, p.deleted_at is not null as deleted
      from products p join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
      where ${match} order by p.updated_at, p.id limit ${limit} offset ${offset}`,
    sql<{ n: number }[]>`select count(*)::int as n from products p where ${match}`,
  ]);
  return { rows, total: count!.n };
}

/**
 * One page of products with the type name, ordered by type name, then product name, then id
 * (ids break ties so deep pages never repeat or skip a row), and the total for the same filter.
 * Two statements, no per-row queries; on the pool they run in parallel.
 *
 * Why the queries have this shape (a shop has 5,000 products, a handful of types):
 * - Sorting every product of the shop by a column of another table would cost a full sort per
 *   request. Instead the live types are ranked by name first, and each type's products are read
 *   from products_shop_type_order_idx already in (lower(name), id) order, so Postgres only sorts
 *   within a type (incremental sort presorted on the rank) and stops at the end of the page; the
 *   heap is read for the page's rows only. A barcode lookup uses the unique barcode index instead.
 * - Search compares lower(name), which the index carries, with LIKE (case-insensitive like ILIKE, without
 *   case-folding every name per request); the type name is matched once per type, not per product.
 */
export async function listProducts(
  sql: Db,
  shopId: number,
  f: ProductFilter,
  limit: number,
  offset: number,
): Promise<{ rows: ProductRow[]; total: number }> {
  const term = f.search?.trim();
  const pattern = term ? likePattern(term) : undefined;
  const types = sql`(
    select id, name, row_number() over (order by lower(name), id) as rk,
           ${pattern ? sql`name ilike ${pattern}` : sql`false`} as hit
    from product_types
    where shop_id = ${shopId} and deleted_at is null ${f.typeId ? sql`and id = ${f.typeId}` : sql``}
    order by rk
  ) t`;
  const match = sql`
    p.shop_id = ${shopId} and p.type_id = t.id and p.deleted_at is null
    ${f.barcode !== undefined ? sql`and p.barcode = ${f.barcode}` : sql``}
    ${f.active !== undefined ? sql`and p.active = ${f.active}` : sql``}
    ${pattern ? sql`and (lower(p.name) like lower(${pattern}) or t.hit)` : sql``}`;
  const page =
    f.barcode !== undefined
      ? sql<ProductRow[]>`
          select ${productColumns(sql)}
          from ${types} join products p on ${match}
          order by t.rk, lower(p.name), p.id
          limit ${limit} offset ${offset}`
      : sql<ProductRow[]>`
          select ${productColumns(sql)}
          from (
            select k.id, t.rk, k.ln
            from ${types}
            cross join lateral (
              select p.id, lower(p.name) as ln from products p where ${match} order by lower(p.name), p.id
            ) k
            order by t.rk, k.ln, k.id
            limit ${limit} offset ${offset}
          ) k
          join products p on p.id = k.id
          join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
          order by k.rk, k.ln, k.id`;
  const [rows, [count]] = await Promise.all([
    page,
    sql<{ n: number }[]>`select count(*)::int as n from ${types} join products p on ${match}`,
  ]);
  return { rows, total: count!.n };
}

export async function getProduct(sql: Db, shopId: number, id: number, activeOnly = false): Promise<ProductRow | undefined> {
  const [row] = await sql<ProductRow[]>`
    select ${productColumns(sql)}
    from products p join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
    where p.shop_id = ${shopId} and p.id = ${id} and p.deleted_at is null ${activeOnly ? sql`and p.active` : sql``}`;
  return row;
}

export async function insertProduct(sql: Db, shopId: number, c: Required<ProductColumns>): Promise<number> {
  const [row] = await sql<{ id: number }[]>`
    insert into products (shop_id, type_id, name, rate_fils, barcode, description, active)
    values (${shopId}, ${c.type_id}, ${c.name}, ${c.rate_fils}, ${c.barcode}, ${c.description}, ${c.active})
    returning id`;
  return row!.id;
}

/** Returns false when the product is missing, deleted or another shop's. */
export async function updateProduct(sql: Db, shopId: number, id: number, c: ProductColumns): Promise<boolean> {
  const keys = Object.keys(c) as (keyof ProductColumns)[];
  const rows = await sql`
    update products set ${sql(c, keys)}, updated_at = now()
    where shop_id = ${shopId} and id = ${id} and deleted_at is null returning id`;
  return rows.length > 0;
}

/** Soft-deletes and returns the product as it was (undefined when there was none). */
export async function softDeleteProduct(sql: Db, shopId: number, id: number): Promise<ProductRow | undefined> {
  const [row] = await sql<ProductRow[]>`
    with d as (
      update products set deleted_at = now(), updated_at = now()
      where shop_id = ${shopId} and id = ${id} and deleted_at is null
      returning *
    )
    select d.id, d.type_id, t.name as type_name, d.name, d.rate_fils, d.barcode, d.description, d.active,
           d.created_at, d.updated_at
    from d join product_types t on t.shop_id = d.shop_id and t.id = d.type_id`;
  return row;
}
