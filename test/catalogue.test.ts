import assert from 'node:assert/strict';
import { env } from './support/env.ts';
import { call, del, get, newShop, patch, post, type ShopSession } from './support/http.ts';
import { recordingProductPushes } from './support/pushes.ts';

const HOSTILE = "'; drop table products; --";
const HUGE = 'x'.repeat(10_000);

async function mkType(token: string, name: string): Promise<number> {
  const r = await post('/api/product-types', { name }, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body.id;
}

async function mkProduct(token: string, body: Record<string, unknown>): Promise<any> {
  const r = await post('/api/products', body, token);
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return r.body;
}

const fields = (r: { body: any }) => (r.body.error.details as { field: string }[]).map((d) => d.field);

describe('catalogue: product types', () => {
  let a: ShopSession;
  let b: ShopSession;
  before(async () => {
    [a, b] = await Promise.all([newShop(), newShop()]);
  });

  it('creates types and lists them by name with their product counts', async () => {
    const s = await newShop();
    const r = await post('/api/product-types', { name: '  Kandura  ' }, s.manager);
    assert.equal(r.status, 201);
    assert.equal(r.body.name, 'Kandura');
    assert.equal(r.body.product_count, 0);
    const abaya = await mkType(s.token, 'abaya');
    await mkType(s.token, 'Bisht');
    await mkProduct(s.token, { type_id: abaya, name: 'Plain', rate: 100 });
    await mkProduct(s.token, { type_id: abaya, name: 'Embroidered', rate: 250, active: false });
    const list = await get('/api/product-types', s.cashier);
    assert.equal(list.status, 200);
    assert.deepEqual(
      list.body.items.map((t: any) => t.name),
      ['abaya', 'Bisht', 'Kandura'],
    );
    assert.equal(list.body.items[0].product_count, 1, 'a cashier counts active products only');
    const mgr = await get('/api/product-types', s.manager);
    assert.equal(mgr.body.items[0].product_count, 2);
    assert.equal((await get('/api/product-types', s.terminal)).status, 200);
  });

  it('refuses a duplicate name ignoring case with 409, and frees the name once deleted', async () => {
    const id = await mkType(a.token, 'Shirt');
    const dup = await post('/api/product-types', { name: 'SHIRT' }, a.token);
    assert.equal(dup.status, 409);
    assert.equal(dup.body.error.code, 'conflict');
    assert.deepEqual(fields(dup), ['name']);
    // another shop may use the same name
    assert.equal((await post('/api/product-types', { name: 'Shirt' }, b.token)).status, 201);
    assert.equal((await del(`/api/product-types/${id}`, a.token)).status, 204);
    assert.equal((await post('/api/product-types', { name: 'shirt' }, a.token)).status, 201);
  });

  it('validates the body (400 naming the field)', async () => {
    for (const body of [{}, { name: '' }, { name: '   ' }, { name: HUGE }, { name: 5 }]) {
      const r = await post('/api/product-types', body, a.token);
      assert.equal(r.status, 400, JSON.stringify(body).slice(0, 40));
      assert.equal(r.body.error.code, 'validation_failed');
      assert.deepEqual([...new Set(fields(r))], ['name']);
    }
    const id = await mkType(a.token, 'Validated');
    const r = await patch(`/api/product-types/${id}`, { name: HUGE }, a.token);
    assert.equal(r.status, 400);
    assert.deepEqual(fields(r), ['name']);
    for (const r of [await patch('/api/product-types/abc', { name: 'X' }, a.token), await del('/api/product-types/0', a.token)]) {
      assert.equal(r.status, 400);
      assert.deepEqual(fields(r), ['id']);
    }
  });

  it('stores SQL metacharacters verbatim', async () => {
    const r = await post('/api/product-types', { name: HOSTILE }, a.token);
    assert.equal(r.status, 201);
    assert.equal(r.body.name, HOSTILE);
    const list = await get('/api/product-types', a.token);
    assert.ok(list.body.items.some((t: any) => t.name === HOSTILE), "list.body.items.some((t: any) => t.name === HOSTILE)");
  });

  it('renames a type; 409 on a clash; 404 for unknown ids', async () => {
    const id = await mkType(a.token, 'Trouser');
    await mkType(a.token, 'Jacket');
    const r = await patch(`/api/product-types/${id}`, { name: 'Trousers' }, a.manager);
    assert.equal(r.status, 200);
    assert.equal(r.body.name, 'Trousers');
    assert.equal(r.body.id, id);
    assert.equal(r.body.product_count, 0);
    assert.equal((await patch(`/api/product-types/${id}`, { name: 'jacket' }, a.token)).status, 409);
    // renaming to itself with another case is not a clash with itself
    assert.equal((await patch(`/api/product-types/${id}`, { name: 'TROUSERS' }, a.token)).status, 200);
    const missing = await patch('/api/product-types/999999999', { name: 'Nope' }, a.token);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'not_found');
    assert.equal((await del('/api/product-types/999999999', a.token)).status, 404);
  });

  it('refuses to delete a type while live products use it (409), allows it afterwards', async () => {
    const id = await mkType(a.token, 'Cap');
    const p = await mkProduct(a.token, { type_id: id, name: 'Kufi', rate: 15, active: false });
    const r = await del(`/api/product-types/${id}`, a.token);
    assert.equal(r.status, 409);
    assert.equal(r.body.error.code, 'conflict');
    assert.equal((await del(`/api/products/${p.id}`, a.token)).status, 204);
    assert.equal((await del(`/api/product-types/${id}`, a.manager)).status, 204);
    const list = await get('/api/product-types', a.token);
    assert.ok(!list.body.items.some((t: any) => t.id === id), "!list.body.items.some((t: any) => t.id === id)");
    assert.equal((await patch(`/api/product-types/${id}`, { name: 'Cap 2' }, a.token)).status, 404);
    assert.equal((await del(`/api/product-types/${id}`, a.token)).status, 404);
  });

  it('never lets a type be deleted while a product is being added to it', async () => {
    for (let i = 0; i < 8; i++) {
      const id = await mkType(a.token, `Race ${i}`);
      const [d, c] = await Promise.all([
        del(`/api/product-types/${id}`, a.token),
        post('/api/products', { type_id: id, name: 'Racer', rate: 1 }, a.token),
      ]);
      const outcome = `${d.status}/${c.status}`;
      assert.ok(['204/422', '409/201'].includes(outcome), outcome);
    }
  });

  it('lets cashiers and terminals read but not write (403)', async () => {
    const id = await mkType(a.token, 'Readonly');
    for (const t of [a.cashier, a.terminal]) {
      assert.equal((await get('/api/product-types', t)).status, 200);
      assert.equal((await post('/api/product-types', { name: 'No' }, t)).status, 403);
      assert.equal((await patch(`/api/product-types/${id}`, { name: 'No' }, t)).status, 403);
      assert.equal((await del(`/api/product-types/${id}`, t)).status, 403);
    }
  });

  it('answers 401 without a token', async () => {
    assert.equal((await get('/api/product-types')).status, 401);
    assert.equal((await post('/api/product-types', { name: 'X' })).status, 401);
    assert.equal((await patch('/api/product-types/1', { name: 'X' })).status, 401);
    assert.equal((await del('/api/product-types/1')).status, 401);
  });

  it('keeps shops apart: 404 on another shop’s type ids, lists never mix', async () => {
    const id = await mkType(a.token, 'Private type');
    assert.equal((await patch(`/api/product-types/${id}`, { name: 'Stolen' }, b.token)).status, 404);
    assert.equal((await del(`/api/product-types/${id}`, b.token)).status, 404);
    const list = await get('/api/product-types', b.token);
    assert.ok(!list.body.items.some((t: any) => t.id === id || t.name === 'Private type'), "!list.body.items.some((t: any) => t.id === id || t.name === 'Private type')");
    // another shop's type cannot be referenced by a product
    const r = await post('/api/products', { type_id: id, name: 'Sneaky', rate: 10 }, b.token);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'invalid_reference');
    const still = await get('/api/product-types', a.token);
    assert.ok(still.body.items.some((t: any) => t.id === id && t.name === 'Private type'), "still.body.items.some((t: any) => t.id === id && t.name === 'Private type')");
  });
});

describe('catalogue: products', () => {
  let a: ShopSession;
  let b: ShopSession;
  let typeA: number;
  before(async () => {
    [a, b] = await Promise.all([newShop(), newShop()]);
    typeA = await mkType(a.token, 'General');
  });

  it('creates a product and reads it back in the API shape', async () => {
    const r = await post(
      '/api/products',
      { type_id: typeA, name: ' Kandura Emirati ', rate: 250.5, barcode: '6291234567890', description: 'White, cotton' },
      a.manager,
    );
    assert.equal(r.status, 201);
    const p = r.body;
    assert.deepEqual(Object.keys(p).sort(), [
      'active', 'barcode', 'created_at', 'description', 'id', 'name', 'rate', 'type_id', 'type_name', 'updated_at',
    ]);
    assert.equal(p.name, 'Kandura Emirati');
    assert.equal(p.rate, 250.5);
    assert.equal(p.type_id, typeA);
    assert.equal(p.type_name, 'General');
    assert.equal(p.active, true);
    const [row] = await env().sql`select rate_fils from products where id = ${p.id}`;
    assert.equal(row!.rate_fils, 25050);
    const g = await get(`/api/products/${p.id}`, a.terminal);
    assert.equal(g.status, 200);
    assert.deepEqual(g.body, p);
  });

  it('validates rate: 3 decimals, zero and negative answer 400 naming rate', async () => {
    for (const rate of [1.005, 0, -5, '10', 100_000_001]) {
      const r = await post('/api/products', { type_id: typeA, name: 'Bad rate', rate }, a.token);
      assert.equal(r.status, 400, `rate ${rate}`);
      assert.equal(r.body.error.code, 'validation_failed');
      assert.deepEqual(fields(r), ['rate']);
    }
    const ok = await post('/api/products', { type_id: typeA, name: 'Cheap', rate: 0.01 }, a.token);
    assert.equal(ok.status, 201);
    assert.equal(ok.body.rate, 0.01);
    const p3 = await patch(`/api/products/${ok.body.id}`, { rate: 2.999 }, a.token);
    assert.equal(p3.status, 400);
    assert.deepEqual(fields(p3), ['rate']);
    assert.equal((await patch(`/api/products/${ok.body.id}`, { rate: 0 }, a.token)).status, 400);
  });

  it('validates other fields with 400 naming them', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'No type', rate: 1 }, 'type_id'],
      [{ type_id: typeA, rate: 1 }, 'name'],
      [{ type_id: typeA, name: 'No rate' }, 'rate'],
      [{ type_id: typeA, name: HUGE, rate: 1 }, 'name'],
      [{ type_id: typeA, name: '  ', rate: 1 }, 'name'],
      [{ type_id: typeA, name: 'B', rate: 1, barcode: 'has space' }, 'barcode'],
      [{ type_id: typeA, name: 'B', rate: 1, barcode: HUGE }, 'barcode'],
      [{ type_id: typeA, name: 'B', rate: 1, description: HUGE }, 'description'],
      [{ type_id: typeA, name: 'B', rate: 1, active: 'yes' }, 'active'],
      [{ type_id: 'one', name: 'B', rate: 1 }, 'type_id'],
    ];
    for (const [body, field] of cases) {
      const r = await post('/api/products', body, a.token);
      assert.equal(r.status, 400, `${field}: ${JSON.stringify(r.body).slice(0, 200)}`);
      assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
    }
  });

  it('stores SQL metacharacters verbatim in name and description', async () => {
    const p = await mkProduct(a.token, { type_id: typeA, name: HOSTILE, rate: 3, description: HOSTILE });
    const g = await get(`/api/products/${p.id}`, a.token);
    assert.equal(g.body.name, HOSTILE);
    assert.equal(g.body.description, HOSTILE);
    const s = await get(`/api/products?search=${encodeURIComponent("'; drop")}`, a.token);
    assert.equal(s.status, 200);
    assert.deepEqual(s.body.items.map((x: any) => x.id), [p.id]);
  });

  it('answers 422 invalid_reference for an unknown or deleted type', async () => {
    const r = await post('/api/products', { type_id: 999999999, name: 'Orphan', rate: 1 }, a.token);
    assert.equal(r.status, 422);
    assert.equal(r.body.error.code, 'invalid_reference');
    const gone = await mkType(a.token, 'Gone soon');
    await del(`/api/product-types/${gone}`, a.token);
    assert.equal((await post('/api/products', { type_id: gone, name: 'Orphan', rate: 1 }, a.token)).status, 422);
    const p = await mkProduct(a.token, { type_id: typeA, name: 'Mover', rate: 1 });
    const m = await patch(`/api/products/${p.id}`, { type_id: gone }, a.token);
    assert.equal(m.status, 422);
    assert.equal(m.body.error.code, 'invalid_reference');
  });

  it('keeps barcodes unique per shop (409), frees them on delete, treats "" as none', async () => {
    const p = await mkProduct(a.token, { type_id: typeA, name: 'Scan me', rate: 5, barcode: 'BC-001' });
    const dup = await post('/api/products', { type_id: typeA, name: 'Scan me too', rate: 5, barcode: 'BC-001' }, a.token);
    assert.equal(dup.status, 409);
    assert.deepEqual(fields(dup), ['barcode']);
    const other = await mkProduct(a.token, { type_id: typeA, name: 'Other', rate: 5, barcode: 'BC-002' });
    assert.equal((await patch(`/api/products/${other.id}`, { barcode: 'BC-001' }, a.token)).status, 409);
    // the same barcode in another shop is fine
    const typeB = await mkType(b.token, 'General');
    assert.equal((await post('/api/products', { type_id: typeB, name: 'Theirs', rate: 5, barcode: 'BC-001' }, b.token)).status, 201);
    const e1 = await mkProduct(a.token, { type_id: typeA, name: 'No code 1', rate: 5, barcode: '' });
    const e2 = await mkProduct(a.token, { type_id: typeA, name: 'No code 2', rate: 5, barcode: null });
    assert.equal(e1.barcode, null);
    assert.equal(e2.barcode, null);
    assert.equal((await del(`/api/products/${p.id}`, a.token)).status, 204);
    assert.equal((await patch(`/api/products/${other.id}`, { barcode: 'BC-001' }, a.token)).status, 200);
  });

  it('updates only the fields sent', async () => {
    const typeB = await mkType(a.token, 'Second');
    const p = await mkProduct(a.token, { type_id: typeA, name: 'Partial', rate: 10, barcode: 'PART-1', description: 'd' });
    const r = await patch(`/api/products/${p.id}`, { rate: 12.75 }, a.manager);
    assert.equal(r.status, 200);
    assert.equal(r.body.rate, 12.75);
    assert.equal(r.body.name, 'Partial');
    assert.equal(r.body.barcode, 'PART-1');
    assert.equal(r.body.description, 'd');
    assert.ok(new Date(r.body.updated_at) >= new Date(p.updated_at), "new Date(r.body.updated_at) >= new Date(p.updated_at)");
    const t = await patch(`/api/products/${p.id}`, { type_id: typeB, barcode: null, description: null, active: false }, a.token);
    assert.equal(t.status, 200);
    assert.equal(t.body.type_id, typeB);
    assert.equal(t.body.type_name, 'Second');
    assert.equal(t.body.barcode, null);
    assert.equal(t.body.description, null);
    assert.equal(t.body.active, false);
    assert.equal(t.body.rate, 12.75);
    for (const body of [{}, { unknown: 1 }, { name: '' }, { name: HUGE }]) {
      const bad = await patch(`/api/products/${p.id}`, body, a.token);
      assert.equal(bad.status, 400, JSON.stringify(body).slice(0, 30));
      assert.equal(bad.body.error.code, 'validation_failed');
    }
    assert.equal((await patch('/api/products/999999999', { rate: 1 }, a.token)).status, 404);
    assert.equal((await patch('/api/products/0', { rate: 1 }, a.token)).status, 400);
  });

  it('soft-deletes: 204, then 404 everywhere and gone from lists', async () => {
    const p = await mkProduct(a.token, { type_id: typeA, name: 'Doomed', rate: 1 });
    assert.equal((await del(`/api/products/${p.id}`, a.manager)).status, 204);
    assert.equal((await get(`/api/products/${p.id}`, a.token)).status, 404);
    assert.equal((await patch(`/api/products/${p.id}`, { rate: 2 }, a.token)).status, 404);
    assert.equal((await del(`/api/products/${p.id}`, a.token)).status, 404);
    const list = await get('/api/products?search=Doomed', a.token);
    assert.equal(list.body.total, 0);
    const [row] = await env().sql`select deleted_at from products where id = ${p.id}`;
    assert.ok(row!.deleted_at, 'the row stays (bills may name it)');
    assert.equal((await get('/api/products/999999999', a.token)).status, 404);
    for (const r of [await get('/api/products/abc', a.token), await del('/api/products/-1', a.token)]) {
      assert.equal(r.status, 400);
      assert.deepEqual(fields(r), ['id']);
    }
  });

  it('lets cashiers and terminals read but not write (403)', async () => {
    const p = await mkProduct(a.token, { type_id: typeA, name: 'Look only', rate: 1 });
    for (const t of [a.cashier, a.terminal]) {
      assert.equal((await get('/api/products', t)).status, 200);
      assert.equal((await get(`/api/products/${p.id}`, t)).status, 200);
      assert.equal((await post('/api/products', { type_id: typeA, name: 'No', rate: 1 }, t)).status, 403);
      assert.equal((await patch(`/api/products/${p.id}`, { rate: 2 }, t)).status, 403);
      assert.equal((await del(`/api/products/${p.id}`, t)).status, 403);
    }
    assert.equal((await get(`/api/products/${p.id}`, a.token)).body.rate, 1);
  });

  it('answers 401 without a token', async () => {
    assert.equal((await get('/api/products')).status, 401);
    assert.equal((await get('/api/products/1')).status, 401);
    assert.equal((await post('/api/products', { type_id: 1, name: 'X', rate: 1 })).status, 401);
    assert.equal((await patch('/api/products/1', { rate: 1 })).status, 401);
    assert.equal((await del('/api/products/1')).status, 401);
  });

  it('keeps shops apart: 404 on another shop’s product ids, lists never mix', async () => {
    const p = await mkProduct(a.token, { type_id: typeA, name: 'Secret Sauce', rate: 9, barcode: 'SECRET-1' });
    for (const t of [b.token, b.terminal]) {
      assert.equal((await get(`/api/products/${p.id}`, t)).status, 404);
    }
    assert.equal((await patch(`/api/products/${p.id}`, { rate: 1 }, b.token)).status, 404);
    assert.equal((await del(`/api/products/${p.id}`, b.token)).status, 404);
    const all = await get('/api/products?per_page=200', b.token);
    assert.ok(all.body.items.every((x: any) => x.id !== p.id), "all.body.items.every((x: any) => x.id !== p.id)");
    assert.equal((await get('/api/products?search=Secret', b.token)).body.total, 0);
    assert.equal((await get('/api/products?barcode=SECRET-1', b.token)).body.total, 0);
    assert.equal((await get(`/api/products?type_id=${typeA}`, b.token)).body.total, 0);
    assert.equal((await get(`/api/products/${p.id}`, a.token)).body.rate, 9);
  });
});

describe('catalogue: product list', () => {
  let s: ShopSession;
  const ids: Record<string, number> = {};
  before(async () => {
    s = await newShop();
    const zari = await mkType(s.token, 'Zari work');
    const abaya = await mkType(s.token, 'abaya');
    const bisht = await mkType(s.token, 'Bisht');
    const mk = async (type_id: number, name: string, extra: Record<string, unknown> = {}) => {
      ids[name] = (await mkProduct(s.token, { type_id, name, rate: 10, ...extra })).id;
    };
    await mk(zari, 'Border');
    await mk(abaya, 'plain');
    await mk(abaya, 'Crystal', { barcode: '12345' });
    await mk(abaya, 'Lace', { barcode: '123456' });
    await mk(bisht, 'Gold trim');
    await mk(bisht, 'Black', { active: false });
    await mk(zari, 'Abaya trim');
  });

  const names = (r: { body: any }) => r.body.items.map((x: any) => x.name);

  it('orders by type name, then product name, then id, ignoring case', async () => {
    const r = await get('/api/products', s.token);
    assert.equal(r.status, 200);
    assert.deepEqual(names(r), ['Crystal', 'Lace', 'plain', 'Black', 'Gold trim', 'Abaya trim', 'Border']);
    assert.deepEqual(r.body.items.map((x: any) => x.type_name), ['abaya', 'abaya', 'abaya', 'Bisht', 'Bisht', 'Zari work', 'Zari work']);
    assert.equal(r.body.total, 7);
    assert.equal(r.body.page, 1);
    assert.equal(r.body.per_page, 50);
  });

  it('pages deterministically: every row once across pages', async () => {
    const full = await get('/api/products?per_page=200', s.token);
    const seen: number[] = [];
    for (let page = 1; page <= 4; page++) {
      const r = await get(`/api/products?per_page=2&page=${page}`, s.token);
      assert.equal(r.body.total, 7);
      seen.push(...r.body.items.map((x: any) => x.id));
    }
    assert.deepEqual(seen, full.body.items.map((x: any) => x.id));
    assert.deepEqual((await get('/api/products?per_page=2&page=99', s.token)).body.items, []);
    for (const qs of ['per_page=201', 'per_page=0', 'page=0', 'page=x']) {
      const r = await get(`/api/products?${qs}`, s.token);
      assert.equal(r.status, 400, qs);
      assert.equal(r.body.error.code, 'validation_failed');
    }
  });

  it('search is a case-insensitive substring of the product name or the type name', async () => {
    assert.deepEqual(names(await get('/api/products?search=ABAYA', s.token)), ['Crystal', 'Lace', 'plain', 'Abaya trim']);
    assert.deepEqual(names(await get('/api/products?search=trim', s.token)), ['Gold trim', 'Abaya trim']);
    assert.deepEqual(names(await get('/api/products?search=%20bish%20', s.token)), ['Black', 'Gold trim']);
    // LIKE wildcards match literally
    assert.deepEqual(names(await get(`/api/products?search=${encodeURIComponent('%')}`, s.token)), []);
    assert.deepEqual(names(await get('/api/products?search=_', s.token)), []);
    const long = await get(`/api/products?search=${'a'.repeat(101)}`, s.token);
    assert.equal(long.status, 400);
    assert.deepEqual(fields(long), ['search']);
  });

  it('barcode is an exact match; type_id and active filter', async () => {
    assert.deepEqual(names(await get('/api/products?barcode=12345', s.token)), ['Crystal']);
    assert.deepEqual(names(await get('/api/products?barcode=1234', s.token)), []);
    assert.deepEqual(names(await get(`/api/products?type_id=${(await get(`/api/products/${ids.Border}`, s.token)).body.type_id}`, s.token)), [
      'Abaya trim',
      'Border',
    ]);
    assert.deepEqual(names(await get('/api/products?active=false', s.manager)), ['Black']);
    assert.equal((await get('/api/products?active=true', s.manager)).body.total, 6);
    assert.deepEqual(names(await get('/api/products?search=abaya&barcode=123456', s.token)), ['Lace']);
  });

  it('terminals and cashiers never see inactive products', async () => {
    for (const t of [s.terminal, s.cashier]) {
      const r = await get('/api/products?per_page=200', t);
      assert.equal(r.body.total, 6);
      assert.ok(!names(r).includes('Black'), "!names(r).includes('Black')");
      assert.equal((await get(`/api/products/${ids.Black}`, t)).status, 404);
      assert.equal((await get('/api/products?active=false', t)).status, 403);
      assert.equal((await get('/api/products?search=black', t)).body.total, 0);
    }
    assert.equal((await get(`/api/products/${ids.Black}`, s.manager)).body.active, false);
  });

  it('stays correct on a shop with 5,000 products', async function () {
    this.timeout(60_000);
    const big = await newShop();
    const sql = env().sql;
    await sql`
      insert into product_types (shop_id, name) select ${big.shopId}, 'Type ' || lpad(g::text, 2, '0') from generate_series(1, 20) g`;
    await sql`
      insert into products (shop_id, type_id, name, rate_fils, barcode)
      select ${big.shopId}, t.id, 'Item ' || lpad(g::text, 4, '0'), 100 + g, 'EAN' || g
      from generate_series(1, 5000) g
      join product_types t on t.shop_id = ${big.shopId} and t.name = 'Type ' || lpad((1 + (g - 1) % 20)::text, 2, '0')`;
    await sql`analyze products`;
    const last = await get('/api/products?per_page=200&page=25', big.terminal);
    assert.equal(last.body.total, 5000);
    assert.equal(last.body.items.length, 200);
    assert.equal(last.body.items.at(-1).type_name, 'Type 20');
    assert.equal(last.body.items.at(-1).name, 'Item 5000');
    assert.deepEqual(names(await get('/api/products?barcode=EAN4321', big.token)), ['Item 4321']);
    assert.equal((await get('/api/products?search=type%2007', big.token)).body.total, 250);
    assert.equal((await get('/api/products?search=item%20001', big.token)).body.total, 10);
  });
});

describe('catalogue: change notifications', () => {
  let s: ShopSession;
  let typeId: number;
  before(async () => {
    s = await newShop();
    typeId = await mkType(s.token, 'Pushed');
  });

  it('tells the notifier after a product is created, updated and deleted', async () => {
    await recordingProductPushes(s, async (calls, arrived) => {
      const p = await mkProduct(s.token, { type_id: typeId, name: 'Live price', rate: 20 });
      await arrived(1);
      assert.equal(calls.length, 1);
      assert.equal(calls[0]!.shopId, s.shopId);
      assert.equal(calls[0]!.product.id, p.id);
      assert.equal(calls[0]!.product.rate, 20);
      assert.equal(calls[0]!.product.type_name, 'Pushed');

      await patch(`/api/products/${p.id}`, { rate: 22.5 }, s.token);
      await arrived(2);
      assert.equal(calls.length, 2);
      assert.equal(calls[1]!.product.rate, 22.5);

      await del(`/api/products/${p.id}`, s.token);
      await arrived(3);
      assert.equal(calls.length, 3);
      assert.equal(calls[2]!.product.id, p.id);
      assert.equal(calls[2]!.product.active, false);
      assert.equal(calls[2]!.product.deleted, true);
    });
  });

  it('stays silent when the write fails', async () => {
    await mkProduct(s.token, { type_id: typeId, name: 'Coded', rate: 1, barcode: 'DUP' });
    await recordingProductPushes(s, async (calls, arrived) => {
      assert.equal((await post('/api/products', { type_id: typeId, name: 'Clash', rate: 1, barcode: 'DUP' }, s.token)).status, 409);
      assert.equal((await post('/api/products', { type_id: 999999999, name: 'Orphan', rate: 1 }, s.token)).status, 422);
      assert.equal((await patch('/api/products/999999999', { rate: 1 }, s.token)).status, 404);
      assert.equal((await del('/api/products/999999999', s.token)).status, 404);
      assert.equal((await call('POST', '/api/products', { token: s.cashier, body: { type_id: typeId, name: 'X', rate: 1 } })).status, 403);
      // the next successful write's push is the first one: none of the refused writes pushed
      const marker = await mkProduct(s.token, { type_id: typeId, name: 'Marker', rate: 3 });
      await arrived(1);
      assert.deepEqual(calls.map((c) => c.product.id), [marker.id]);
    });
  });
});
