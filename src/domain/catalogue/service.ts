/**
 * Rules of product types and products (DOMAIN.md section 1).
 * - Type names are unique per shop ignoring case; product barcodes are unique per shop. Both
 *   clashes come back as 409 through the pg error mapping (product_types_name_key, products_barcode_key).
 * - A product's type must be a live type of the caller's shop, else 422 invalid_reference; a type
 *   still used by live products cannot be deleted (409).
 * - Owners and managers see inactive products; cashiers and terminals see active ones only, and an
 *   inactive product answers them 404 like a missing one.
 * - Every committed product write is pushed through the ChangeNotifier (after commit, never inside
 *   the transaction, so clients never see a change that was rolled back).
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { type Principal, ROLES } from '../auth/index.ts';
import { fromFils, offsetOf, pageResult, toFils, type ChangeNotifier, type PageResult } from '../common/index.ts';
import * as q from './queries.ts';
import type { CreateProductBody, ListProductsQuery, ProductOut, ProductTypeOut, TypeBody, UpdateProductBody } from './schema.ts';

const seesInactive = (p: Principal) => (ROLES.managers as readonly string[]).includes(p.role);

/** ProductRow → the API shape (rate in currency units). */
export function presentProduct(r: q.ProductRow): ProductOut {
  return {
    id: r.id,
    type_id: r.type_id,
    type_name: r.type_name,
    name: r.name,
    rate: fromFils(r.rate_fils),
    barcode: r.barcode,
    description: r.description,
    active: r.active,
    created_at: r.created_at,
    updated_at: r.updated_at,
  };
}

/** Every live type of the shop, ordered by name, each with the number of products the caller can see. */
export async function listTypes(sql: Db, p: Principal): Promise<{ items: ProductTypeOut[] }> {
  return { items: await q.listTypes(sql, p.shopId, !seesInactive(p)) };
}

export async function createType(sql: Db, p: Principal, body: TypeBody): Promise<ProductTypeOut> {
  return q.insertType(sql, p.shopId, body.name.trim());
}

export async function renameType(sql: Db, p: Principal, id: number, body: TypeBody): Promise<ProductTypeOut> {
  if (!(await q.renameType(sql, p.shopId, id, body.name.trim()))) throw ERRORS.notFound('Product type');
  const [row] = await q.listTypes(sql, p.shopId, false, id);
  if (!row) throw ERRORS.notFound('Product type');
  return row;
}

/** Soft-deletes a type; 409 while live products (active or not) still use it. */
export async function deleteType(sql: Sql, p: Principal, id: number): Promise<void> {
  await sql.begin(async (tx) => {
    // The row lock waits for product writes holding a share lock on this type; the check below
    // is a new statement, so it sees what they committed.
    if (!(await q.lockType(tx, p.shopId, id, 'update'))) throw ERRORS.notFound('Product type');
    if (await q.typeHasProducts(tx, p.shopId, id)) {
      throw ERRORS.conflict('This product type still has products; move or delete them first', [
        { field: 'id', message: 'is used by products' },
      ]);
    }
    await q.softDeleteType(tx, p.shopId, id);
  });
}

export async function listProducts(sql: Db, p: Principal, query: ListProductsQuery): Promise<PageResult<ProductOut>> {
  let active = query.active;
  if (!seesInactive(p)) {
    if (active === false) throw ERRORS.forbidden('Only owners and managers may list inactive products');
    if (query.updated_since === undefined) active = true;
  }
  if (query.updated_since !== undefined) {
    // a catch-up list: inactive and deleted products come too, so the terminal can drop them
    const changed = await q.changedProducts(sql, p.shopId, query.updated_since, query.per_page, offsetOf(query));
    return pageResult(changed.rows.map((r) => ({ ...presentProduct(r), deleted: r.deleted })), query, changed.total);
  }
  const { rows, total } = await q.listProducts(
    sql,
    p.shopId,
    { search: query.search, typeId: query.type_id, barcode: query.barcode, active },
    query.per_page,
    offsetOf(query),
  );
  return pageResult(rows.map(presentProduct), query, total);
}

export async function getProduct(sql: Db, p: Principal, id: number): Promise<ProductOut> {
  const row = await q.getProduct(sql, p.shopId, id, !seesInactive(p));
  if (!row) throw ERRORS.notFound('Product');
  return presentProduct(row);
}

/** "" means no barcode. */
const barcodeOf = (b: string | null | undefined) => (b ? b : null);

async function requireLiveType(tx: Db, shopId: number, typeId: number): Promise<void> {
  if (!(await q.lockType(tx, shopId, typeId, 'share'))) {
    throw ERRORS.invalidReference('type_id is not a product type of this shop');
  }
}

export async function createProduct(sql: Sql, notifier: ChangeNotifier, p: Principal, body: CreateProductBody): Promise<ProductOut> {
  const cols = {
    type_id: body.type_id,
    name: body.name.trim(),
    rate_fils: toFils(body.rate, 'rate'),
    barcode: barcodeOf(body.barcode),
    description: body.description ?? null,
    active: body.active ?? true,
  };
  const row = await sql.begin(async (tx) => {
    await requireLiveType(tx, p.shopId, cols.type_id);
    const id = await q.insertProduct(tx, p.shopId, cols);
    return (await q.getProduct(tx, p.shopId, id))!;
  });
  const out = presentProduct(row);
  notifier.productChanged(p.shopId, out as unknown as Record<string, unknown>);
  return out;
}

/** Partial update: only the fields sent change; barcode and description may be set to null. */
export async function updateProduct(
  sql: Sql,
  notifier: ChangeNotifier,
  p: Principal,
  id: number,
  body: UpdateProductBody,
): Promise<ProductOut> {
  const cols: q.ProductColumns = {};
  if (body.type_id !== undefined) cols.type_id = body.type_id;
  if (body.name !== undefined) cols.name = body.name.trim();
  if (body.rate !== undefined) cols.rate_fils = toFils(body.rate, 'rate');
  if (body.barcode !== undefined) cols.barcode = barcodeOf(body.barcode);
  if (body.description !== undefined) cols.description = body.description;
  if (body.active !== undefined) cols.active = body.active;
  if (Object.keys(cols).length === 0) throw ERRORS.validation([{ field: 'body', message: 'must change at least one field' }]);

  const row = await sql.begin(async (tx) => {
    // A missing product is a 404 even when the type is also bad, so look the product up first.
    if (!(await q.getProduct(tx, p.shopId, id))) throw ERRORS.notFound('Product');
    if (cols.type_id !== undefined) await requireLiveType(tx, p.shopId, cols.type_id);
    if (!(await q.updateProduct(tx, p.shopId, id, cols))) throw ERRORS.notFound('Product');
    return (await q.getProduct(tx, p.shopId, id))!;
  });
  const out = presentProduct(row);
  notifier.productChanged(p.shopId, out as unknown as Record<string, unknown>);
  return out;
}

/** Soft delete; terminals are told with the product marked active=false, deleted=true. */
export async function deleteProduct(sql: Db, notifier: ChangeNotifier, p: Principal, id: number): Promise<void> {
  const row = await q.softDeleteProduct(sql, p.shopId, id);
  if (!row) throw ERRORS.notFound('Product');
  notifier.productChanged(p.shopId, { ...presentProduct(row), active: false, deleted: true });
}
