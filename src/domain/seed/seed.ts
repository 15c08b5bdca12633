/**
 * Bulk demo data: shops of every kind with their catalogue, customers with UAE mobiles, cities
 * and areas from the reference tables, employees, a year of expenses, and bills (bills.ts).
 * Rows go in with multi-row inserts in batches, several batches at a time.
 */
import type { Sql } from '../../db/client.ts';
import { hashPassword } from '../auth/index.ts';
import { provisionShop } from '../shops/index.ts';
import { insertBatches } from './batches.ts';
import { seedBills } from './bills.ts';
import { personName, rng, SHOP_KINDS, uaeMobile } from './data.ts';

export interface SeedOptions {
  shops: number;
  customers: number;
  products: number;
  employees: number;
  expenses: number;
  bills: number;
  /** PRNG seed; the same seed gives the same data. Default 42. */
  seed?: number;
  log?: (line: string) => void;
  /** Called after each shop and each chunk of bills, with the totals so far (a CLI's progress bar). */
  progress?: (p: { shopsDone: number; billsDone: number }) => void;
}

export interface SeededShop {
  id: number;
  shop_code: string;
  name: string;
  kind: string;
  login: string;
}

export const SEED_PASSWORD = 'seed-pass-123';

export async function seed(sql: Sql, o: SeedOptions): Promise<SeededShop[]> {
  const r = rng(o.seed ?? 42);
  const log = o.log ?? (() => {});
  const hash = await hashPassword(SEED_PASSWORD);
  const places = await sql<{ city: string; area: string }[]>`select c.name as city, a.name as area from uae_areas a join uae_cities c on c.id = a.city_id`;
  const out: SeededShop[] = [];
  for (let s = 0; s < o.shops; s++) {
    const kind = SHOP_KINDS[s % SHOP_KINDS.length]!;
    const name = `${kind.names[Math.floor(s / SHOP_KINDS.length) % kind.names.length]}${s >= SHOP_KINDS.length * kind.names.length ? ` ${s}` : ''}`;
    const shop = await sql.begin(async (tx) => {
      const shop = await provisionShop(tx, { name });
      const login = `owner+${shop.shop_code.toLowerCase()}@seed.tajir`;
      await tx`insert into users (shop_id, email, password_hash, name, role) values (${shop.id}, ${login}, ${hash}, 'Owner', 'owner')`;
      return { id: shop.id, shop_code: shop.shop_code, name, kind: kind.kind, login };
    });
    out.push(shop);

    // catalogue: the kind's items, then numbered variants up to --products
    const types = await sql<{ id: number; name: string }[]>`
      insert into product_types ${sql(Object.keys(kind.catalogue).map((t) => ({ shop_id: shop.id, name: t })))} returning id, name`;
    const base = Object.entries(kind.catalogue).flatMap(([t, items]) => items.map(([n, price]) => ({ type: t, name: n, price })));
    const products = Array.from({ length: Math.max(o.products, 1) }, (_, i) => {
      const b = base[i % base.length]!;
      const variant = Math.floor(i / base.length);
      return {
        shop_id: shop.id,
        type_id: types.find((t) => t.name === b.type)!.id,
        name: variant ? `${b.name} (${['express', 'premium', 'kids', 'large', 'small', 'special'][variant % 6]} ${variant})` : b.name,
        rate_fils: Math.round(b.price * 100 * (1 + (variant % 5) * 0.1)),
      };
    });
    await insertBatches(sql, 'products', products);

    const employees = Array.from({ length: o.employees }, (_, i) => ({
      shop_id: shop.id,
      name: personName(r),
      phone: uaeMobile(900_000 + i),
      position: r.pick(kind.positions),
    }));
    if (employees.length) await insertBatches(sql, 'employees', employees);

    const customers = Array.from({ length: o.customers }, (_, i) => {
      const p = r.pick(places);
      const business = r.next() < 0.08;
      return {
        shop_id: shop.id,
        name: personName(r),
        phone: uaeMobile(i),
        customer_type: business ? 'Business' : 'Individual',
        business_name: business ? `${r.pick(['Al Noor', 'Gulf', 'Emirates', 'Oasis', 'Falcon'])} ${r.pick(['Trading', 'Services', 'Contracting', 'Hospitality'])} LLC` : null,
        city: p.city,
        area: p.area,
      };
    });
    await insertBatches(sql, 'customers', customers, 3000);

    if (o.expenses > 0) {
      const cats = await sql<{ id: number }[]>`select id from expense_categories where shop_id = ${shop.id}`;
      const today = new Date();
      const expenses = Array.from({ length: o.expenses }, () => {
        const d = new Date(today.getTime() - r.int(0, 364) * 86_400_000);
        return {
          shop_id: shop.id,
          category_id: r.pick(cats).id,
          expense_date: d.toISOString().slice(0, 10),
          amount_fils: r.int(20, 5000) * 100,
          description: r.pick(['Electricity bill', 'Water', 'Thread and buttons', 'Detergent', 'Instagram ads', 'Delivery fuel', 'AC service', 'Rent instalment']),
          payment_method: r.pick(['Cash', 'Card', 'Bank Transfer']),
        };
      });
      await insertBatches(sql, 'expenses', expenses);
    }
    const billsBefore = s * o.bills;
    if (o.bills > 0) await seedBills(sql, shop.id, o.bills, r, log, (n) => o.progress?.({ shopsDone: s, billsDone: billsBefore + n }));
    o.progress?.({ shopsDone: s + 1, billsDone: billsBefore + o.bills });
    log(`shop ${shop.id} ${name} (${kind.kind}): ${products.length} products, ${o.customers} customers, ${o.employees} employees, ${o.expenses} expenses, ${o.bills} bills`);
  }
  return out;
}
