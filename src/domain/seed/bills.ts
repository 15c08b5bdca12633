/**
 * Seeded bills for one shop, computed exactly as the billing service computes them (the same
 * computeBill in integer fils): bill dates over the last 12 months (recent days busier), hours
 * 9–22 shop time, numbers BILL-YYYYMMDD-NNN contiguous per day (bill_counters set to match),
 * customers snapshotted, one payment for Paid, part for Partial, none for Pending, and ~2%
 * Cancelled with a refund row. No events are written: the aggregates are rebuilt from a
 * snapshot (npm run aggregates -- rebuild, or the aggregator does it on its own).
 */
import type { Sql } from '../../db/client.ts';
import { computeBill, formatBillNumber, statusOf } from '../billing/index.ts';
import type { Rng } from './data.ts';
import { insertBatches } from './batches.ts';

/** Bills per insert round trip. */
const CHUNK = 2000;

export async function seedBills(sql: Sql, shopId: number, count: number, r: Rng, log: (s: string) => void, progress?: (billsDone: number) => void): Promise<void> {
  const [settings] = await sql<{ timezone: string; prices_include_vat: boolean }[]>`select timezone, prices_include_vat from shop_settings where shop_id = ${shopId}`;
  const products = await sql<{ id: number; name: string; rate_fils: number; type: string }[]>`
    select p.id, p.name, p.rate_fils, t.name as type from products p join product_types t on t.id = p.type_id where p.shop_id = ${shopId}`;
  const customers = await sql<{ id: number; name: string; phone: string; city: string | null; area: string | null; customer_type: string }[]>`
    select id, name, phone, city, area, customer_type from customers where shop_id = ${shopId}`;
  const employees = await sql<{ id: number }[]>`select id from employees where shop_id = ${shopId}`;
  const tzOffset = '+04:00'; // seeded hours are Dubai times; shops of other zones get Dubai-hour bills

  // Days with a weight that grows towards today; each bill picks a day, then days are numbered.
  // Each day's bills use the VAT rate in force that day (vat_rate_on, as bill creation does); a
  // day without one gets no bills, as bill creation would refuse them.
  const today = new Date();
  const calendar = Array.from({ length: 365 }, (_, i) => new Date(today.getTime() - (364 - i) * 86_400_000).toISOString().slice(0, 10));
  const rates = await sql<{ day: string; rate: number | null }[]>`
    select d::text as day, (select rate_percent from vat_rate_on(${shopId}, d)) as rate
    from unnest(${calendar}::date[]) as d order by d`;
  const rateOn = new Map(rates.filter((x) => x.rate !== null).map((x) => [x.day, Number(x.rate)]));
  const days = calendar.filter((d) => rateOn.has(d));
  if (days.length === 0) {
    log(`  shop ${shopId}: no VAT rate in force in the last year; no bills seeded`);
    return;
  }
  const weights = days.map((_, i) => 1 + (i / 365) * 2);
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const perDay = days.map((_, i) => Math.floor((count * weights[i]!) / totalWeight));
  let rest = count - perDay.reduce((a, b) => a + b, 0);
  for (let i = perDay.length - 1; rest > 0; i--, rest--) perDay[i]!++;

  let done = 0;
  let pending: { bill: Record<string, unknown>; lines: Record<string, unknown>[]; payments: Record<string, unknown>[] }[] = [];
  const counters: { shop_id: number; day: string; last_no: number }[] = [];

  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    const ids = await sql<{ id: number }[]>`insert into bills ${sql(batch.map((b) => b.bill))} returning id`;
    const lines = batch.flatMap((b, i) => b.lines.map((l) => ({ ...l, bill_id: ids[i]!.id })));
    const payments = batch.flatMap((b, i) => b.payments.map((p) => ({ ...p, bill_id: ids[i]!.id })));
    await Promise.all([insertBatches(sql, 'bill_lines', lines, 3000, 2), payments.length ? insertBatches(sql, 'payments', payments, 3000, 2) : Promise.resolve()]);
  };

  for (const [di, day] of days.entries()) {
    const n = perDay[di]!;
    if (n === 0) continue;
    const vatPercent = rateOn.get(day)!;
    counters.push({ shop_id: shopId, day, last_no: n });
    for (let k = 1; k <= n; k++) {
      const items = Array.from({ length: r.int(1, 4) }, () => {
        const p = r.pick(products);
        return { p, quantity: r.int(1, 3), discount: r.next() < 0.1 ? r.pick([5, 10, 15, 20]) : 0 };
      });
      const amounts = computeBill(items.map((i) => ({ rateFils: i.p.rate_fils, quantity: i.quantity, discountPercent: i.discount })), vatPercent, settings!.prices_include_vat);
      const c = customers.length && r.next() < 0.85 ? r.pick(customers) : undefined;
      const roll = r.next();
      const cancelled = roll < 0.02;
      const paid = roll < 0.72 ? amounts.totalFils : roll < 0.87 ? Math.floor(amounts.totalFils / 2) : 0;
      const status = cancelled ? 'Cancelled' : statusOf(amounts.totalFils, paid);
      const at = `${day}T${String(r.int(9, 22)).padStart(2, '0')}:${String(r.int(0, 59)).padStart(2, '0')}:00${tzOffset}`;
      const method = r.pick(['Cash', 'Cash', 'Card', 'Card', 'Bank Transfer']);
      const payments: Record<string, unknown>[] = [];
      if (paid > 0 || cancelled) {
        const amount = cancelled ? amounts.totalFils : paid;
        if (amount > 0) payments.push({ shop_id: shopId, amount_fils: amount, method, paid_at: at });
        if (cancelled && amount > 0) payments.push({ shop_id: shopId, amount_fils: -amount, method, kind: 'refund', paid_at: at });
      }
      pending.push({
        bill: {
          shop_id: shopId,
          bill_number: formatBillNumber(day, k),
          bill_date: day,
          customer_id: c?.id ?? null,
          customer_name: c?.name ?? null,
          customer_phone: c?.phone ?? null,
          customer_city: c?.city ?? null,
          customer_area: c?.area ?? null,
          customer_type: c?.customer_type ?? null,
          employee_id: employees.length ? r.pick(employees).id : null,
          vat_percent: vatPercent,
          prices_include_vat: settings!.prices_include_vat,
          subtotal_fils: amounts.subtotalFils,
          discount_fils: amounts.discountFils,
          vat_fils: amounts.vatFils,
          total_fils: amounts.totalFils,
          paid_fils: cancelled ? 0 : paid,
          status,
          created_at: at,
          cancelled_at: cancelled ? at : null,
          cancel_reason: cancelled ? 'seeded cancellation' : null,
        },
        lines: items.map((it, i) => ({
          shop_id: shopId,
          line_no: i + 1,
          product_id: it.p.id,
          product_name: it.p.name,
          product_type: it.p.type,
          quantity: it.quantity,
          rate_fils: it.p.rate_fils,
          discount_percent: it.discount,
          gross_fils: amounts.lines[i]!.grossFils,
          discount_fils: amounts.lines[i]!.discountFils,
          net_fils: amounts.lines[i]!.netFils,
          vat_fils: amounts.lines[i]!.vatFils,
          total_fils: amounts.lines[i]!.totalFils,
        })),
        payments,
      });
      if (pending.length >= CHUNK) {
        await flush();
        done += CHUNK;
        progress?.(done);
        if (done % 100_000 === 0) log(`  shop ${shopId}: ${done} bills`);
      }
    }
  }
  await flush();
  await insertBatches(sql, 'bill_counters', counters);
}
