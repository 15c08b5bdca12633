/**
 * Statements (round trips) per bill, payment and cancellation, counted with postgres.js's debug
 * hook on a pool of one connection: a count, not a timing (issue 20).
 *
 *   node --import=tsx bench/round-trips.ts
 *
 * Runs on this checkout and, unchanged, on a checkout from before issue 20 (where a bill ran
 * inside `once` and sql.begin), so the two counts can be put side by side. The bill: a new
 * customer by phone (loyalty on), a master, three lines, a payment, an Idempotency-Key; then the
 * same request again (a replay), a payment with a key, and a cancellation. Each is done 5 times
 * after a warm-up, and the count of its last run is printed with the statements' first words.
 * Then, on a warm node (kept inputs): a bill of a known customer, a walk-in bill, a payment on
 * that bill and its cancellation.
 */
import * as billing from '../src/domain/billing/index.ts';
import { createSql } from '../src/db/client.ts';
import type { Principal } from '../src/domain/auth/principal.ts';
import { provisionShop } from '../src/domain/shops/provision.ts';
import { benchEnv, run } from './support.ts';

type Any = (...args: unknown[]) => Promise<any>;
const b = billing as unknown as Record<string, Any>;
/** before issue 20: createBill(tx, ...) inside once(sql, ...) and sql.begin */
const OLD = typeof b.once === 'function';

async function main() {
  const env = await benchEnv('roundtrips');
  const { deps, config } = env;
  const sent: string[] = [];
  const sql = createSql(config.databaseUrl, { max: 1 });
  // the hook is read from the shared options at every query (postgres.js connection.js)
  (sql as unknown as { options: { debug: unknown } }).options.debug = (_c: number, q: string) => sent.push(q);
  try {
    const { principal, products, employee } = await deps.sql.begin(async (tx) => {
      const shop = await provisionShop(tx, { name: 'Round trips' });
      const [u] = await tx<{ id: number }[]>`insert into users (shop_id, email, password_hash, role) values (${shop.id}, ${`rt-${shop.shop_code}@bench.tajir`}, 'x', 'owner') returning id`;
      const [t] = await tx<{ id: number }[]>`insert into product_types (shop_id, name) values (${shop.id}, 'Laundry') returning id`;
      const ps = await tx<{ id: number }[]>`
        insert into products ${tx([12.5, 8, 35].map((r, j) => ({ shop_id: shop.id, type_id: t!.id, name: `Item ${j}`, rate_fils: Math.round(r * 100) })))} returning id`;
      const [e] = await tx<{ id: number }[]>`insert into employees (shop_id, name) values (${shop.id}, 'Master') returning id`;
      await tx`update loyalty_config set enabled = true where shop_id = ${shop.id}`;
      return { principal: { kind: 'user', id: u!.id, shopId: shop.id, role: 'owner' } as Principal, products: ps.map((p) => p.id), employee: e!.id };
    });
    const body = (i: number) => ({
      employee_id: employee,
      customer: { phone: `+9715${String(60_000_000 + i).padStart(8, '0')}`, name: `Customer ${i}` },
      items: products.map((product_id, j) => ({ product_id, quantity: 1 + j })),
      payments: [{ amount: 5, method: 'Cash' }],
    });
    const now = () => new Date();
    const createBill = (i: number, key: string) =>
      OLD
        ? b.once!(sql, principal, key, 'POST /api/bills', body(i), 201, (tx: unknown) => b.createBill!(tx, principal, body(i), { now: now() }).then((r) => r.bill))
        : b.createBill!(sql, principal, body(i), { now: now(), key });
    const pay = (billId: number, key: string) =>
      OLD
        ? b.once!(sql, principal, key, `POST /api/bills/${billId}/payments`, { amount: 1, method: 'Card' }, 201, (tx: unknown) => b.addPayment!(tx, principal, billId, { amount: 1, method: 'Card' }, now()))
        : b.addPayment!(sql, principal, billId, { amount: 1, method: 'Card' }, now(), { key });
    const cancel = (billId: number) =>
      OLD ? sql.begin((tx) => b.cancelBill!(tx, principal, billId, 'round trips', now())) : b.cancelBill!(sql, principal, billId, 'round trips', now());
    const counted = async (what: string, fn: () => Promise<unknown>) => {
      sent.length = 0;
      const r = await fn();
      console.log(`${what}: ${sent.length} statements (${sent.map((q) => q.trim().split(/\s+/).slice(0, 2).join(' ')).join(' | ')})`);
      return r;
    };
    let last: { id: number } | undefined;
    for (let i = 0; i < 6; i++) {
      const key = `rt-${i}`;
      const final = i === 5;
      const made = final ? await counted('bill (new customer, loyalty, 3 lines, payment, key)', () => createBill(i, key)) : await createBill(i, key);
      const bill = (made as { bill?: { id: number }; id?: number }).bill ?? (made as { body: { id: number } }).body ?? (made as { id: number });
      last = { id: (bill as { id: number }).id };
      if (final) await counted('the same bill again (replay)', () => createBill(i, key));
      else await createBill(i, key);
      if (final) await counted('payment (key)', () => pay(last!.id, `pay-${i}`));
      else await pay(last.id, `pay-${i}`);
      if (final) await counted('cancellation', () => cancel(last!.id));
      else await cancel(last.id);
    }
    // issue 20: on a warm node (the route passes the node's kept inputs) a bill of a known customer
    // and a walk-in bill are their write alone
    const keep = (billing as unknown as { createBillInputsCache?: () => unknown }).createBillInputsCache;
    if (keep) {
      const inputs = keep();
      await b.createBill!(sql, principal, body(0), { now: now(), inputs });
      await counted('bill of a known customer on a warm node (kept inputs, key)', () => b.createBill!(sql, principal, body(0), { now: now(), key: 'rt-warm', inputs }));
      const walkIn = { ...body(0), customer: undefined };
      await b.createBill!(sql, principal, walkIn, { now: now(), inputs });
      const warmBill = (await counted('walk-in bill on a warm node (kept inputs)', () => b.createBill!(sql, principal, walkIn, { now: now(), inputs }))) as { bill: { id: number } };
      // migration 0044: a payment on a bill this node made or paid is its write alone
      await counted('payment on a bill this node made (kept bill, key)', () => b.addPayment!(sql, principal, warmBill.bill.id, { amount: 1, method: 'Card' }, now(), { key: 'rt-warm-pay', inputs }));
      await counted('cancellation of a bill this node made and paid (kept bill)', () => b.cancelBill!(sql, principal, warmBill.bill.id, 'round trips', now(), { inputs }));
    }
  } finally {
    await sql.end();
    await env.cleanup();
  }
}

run(main);
