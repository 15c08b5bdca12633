import assert from 'node:assert/strict';
import { divRound } from '../src/domain/common/money.ts';
import { seedBills } from '../src/domain/seed/bills.ts';
import { rng } from '../src/domain/seed/data.ts';
import { seed } from '../src/domain/seed/seed.ts';
import { env } from './support/env.ts';

describe('demo data seeder', function () {
  this.timeout(60_000);

  it('seeds realistic shops whose bills obey the bill arithmetic', async () => {
    const sql = env().sql;
    const shops = await seed(sql, { shops: 2, customers: 60, products: 20, employees: 3, expenses: 10, bills: 400, seed: 7 });
    assert.equal(shops.length, 2);
    const ids = shops.map((s) => s.id);
    const phones = await sql<{ phone: string; n: number }[]>`
      select phone, count(*)::int as n from customers where shop_id in ${sql(ids)} group by shop_id, phone`;
    assert.ok(phones.every((p) => p.n === 1 && /^\+9715[024568]\d{7}$/.test(p.phone)), "phones.every((p) => p.n === 1 && /^\\+9715[024568]\\d{7}$/.test(p.phone))");
    const gaps = await sql`
      select b.shop_id, b.bill_date from bills b join bill_counters c on c.shop_id = b.shop_id and c.day = b.bill_date
      where b.shop_id in ${sql(ids)}
      group by b.shop_id, b.bill_date, c.last_no
      having count(*) <> c.last_no or max(substring(b.bill_number from 15)::int) <> c.last_no or count(distinct b.bill_number) <> count(*)`;
    assert.equal(gaps.length, 0);
    const [n] = await sql<{ n: number }[]>`select count(*)::int as n from bills where shop_id in ${sql(ids)}`;
    assert.equal(n!.n, 800);
    const broken = await sql`
      select b.id from bills b
      where b.shop_id in ${sql(ids)} and (b.subtotal_fils + b.vat_fils <> b.total_fils
        or b.total_fils <> (select sum(total_fils) from bill_lines l where l.bill_id = b.id)
        or b.vat_fils <> (select sum(vat_fils) from bill_lines l where l.bill_id = b.id)
        or (b.status <> 'Cancelled' and b.paid_fils <> coalesce((select sum(amount_fils) from payments p where p.bill_id = b.id), 0))
        or (b.status = 'Cancelled' and coalesce((select sum(amount_fils) from payments p where p.bill_id = b.id), 0) <> 0)
        or (b.status = 'Paid' and b.paid_fils <> b.total_fils)
        or (b.status = 'Partial' and not (b.paid_fils > 0 and b.paid_fils < b.total_fils))
        or (b.status = 'Pending' and b.paid_fils <> 0))`;
    assert.equal(broken.length, 0);
    const lines = await sql<{ net_fils: number; vat_fils: number; vat_percent: number; prices_include_vat: boolean }[]>`
      select l.net_fils, l.vat_fils, b.vat_percent, b.prices_include_vat from bill_lines l join bills b on b.id = l.bill_id
      where b.shop_id in ${sql(ids)} limit 500`;
    for (const l of lines) {
      const p = BigInt(Math.round(l.vat_percent * 100));
      const expected = l.prices_include_vat ? divRound(BigInt(l.net_fils) * p, 10_000n + p) : divRound(BigInt(l.net_fils) * p, 10_000n);
      assert.equal(BigInt(l.vat_fils), expected);
    }
  });

  it('gives each seeded bill the VAT rate in force on its date, and no bills where none is', async () => {
    const sql = env().sql;
    const [shop] = await seed(sql, { shops: 1, customers: 10, products: 10, employees: 1, expenses: 0, bills: 0, seed: 11 });
    const id = shop!.id;
    // 5% until 200 days ago, nothing for 9 days, then 7.5%
    await sql`update vat_rates set effective_to = current_date - 200 where shop_id = ${id}`;
    await sql`insert into vat_rates (shop_id, rate_percent, effective_from) values (${id}, 7.5, current_date - 190)`;
    await seedBills(sql, id, 600, rng(3), () => {});
    const [r] = await sql<{ n: number; wrong: number; in_gap: number; rates: string[] }[]>`
      select count(*)::int as n,
        count(*) filter (where vat_percent is distinct from (select rate_percent from vat_rate_on(${id}, bill_date)))::int as wrong,
        count(*) filter (where bill_date between current_date - 199 and current_date - 191)::int as in_gap,
        array_agg(distinct vat_percent::text) as rates
      from bills where shop_id = ${id}`;
    assert.equal(r!.n, 600);
    assert.equal(r!.wrong, 0);
    assert.equal(r!.in_gap, 0);
    assert.deepEqual(r!.rates.map(Number).sort(), [5, 7.5]);
  });
});
