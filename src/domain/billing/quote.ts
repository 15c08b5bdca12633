/**
 * A bill's totals without writing anything: what the terminal shows while the bill is built.
 * The same plan as createBill (plan.ts priceBill), on the same VAT rate, price mode and the
 * discount of the customer's tier. Nothing is created or locked: a customer not yet known gets
 * the lowest tier's discount, as the bill would.
 */
import type { Db } from '../../db/client.ts';
import type { Principal } from '../auth/index.ts';
import { fromFils, normalizePhone } from '../common/index.ts';
import { lineProducts } from './create.ts';
import { priceBill } from './plan.ts';
import type { CreateBillBody } from './schema.ts';
import { loadShopBillingContext } from './shop-context.ts';

/** The discount % of the tier the bill's customer holds now (0 with the programme off or no customer). */
async function tierDiscountOf(sql: Db, shopId: number, ref: CreateBillBody['customer']): Promise<number> {
  if (!ref || (ref.id === undefined && !ref.phone)) return 0;
  let phone: string | null = null;
  if (ref.id === undefined) {
    try {
      phone = normalizePhone(ref.phone!, 'customer.phone');
    } catch {
      return 0; // the bill itself reports the bad phone
    }
  }
  const [row] = await sql<{ d: string | null }[]>`
    select case when not c.enabled then 0 else coalesce(
      (select t.discount_percent from customers cu
        join loyalty_accounts a on a.shop_id = cu.shop_id and a.customer_id = cu.id
        join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
        where cu.shop_id = ${shopId} and cu.deleted_at is null
          and ${ref.id === undefined ? sql`cu.phone = ${phone}` : sql`cu.id = ${ref.id}`}),
      (select t.discount_percent from loyalty_tiers t where t.shop_id = ${shopId} order by t.threshold_points limit 1),
      0) end as d
    from loyalty_config c where c.shop_id = ${shopId}`;
  return Number(row?.d ?? 0);
}

export async function quoteBill(sql: Db, p: Principal, body: CreateBillBody, now: Date) {
  const saleAt = p.kind === 'terminal' ? body.client_created_at : undefined;
  const [ctx, found, tierDiscountPercent] = await Promise.all([
    loadShopBillingContext(sql, p.shopId, saleAt === undefined ? now : new Date(saleAt), body.bill_date),
    lineProducts(sql, p.shopId, body.items, saleAt),
    tierDiscountOf(sql, p.shopId, body.customer),
  ]);
  const { lines, amounts, billDate, vatPercent, deliveryDate, trialDate } = priceBill(p, body, ctx, found, {
    tierDiscountPercent,
    offline: saleAt !== undefined,
  });
  return {
    bill_date: billDate,
    delivery_date: deliveryDate,
    trial_date: trialDate,
    vat_percent: vatPercent,
    prices_include_vat: ctx.pricesIncludeVat,
    subtotal: fromFils(amounts.subtotalFils),
    discount: fromFils(amounts.discountFils),
    vat_amount: fromFils(amounts.vatFils),
    total_amount: fromFils(amounts.totalFils),
    items: lines.map((l, i) => ({
      product_id: l.product.id,
      product_name: l.product.name,
      quantity: l.item.quantity,
      rate: fromFils(l.rateFils),
      discount_percent: l.discountPercent,
      vat_amount: fromFils(amounts.lines[i]!.vatFils),
      total: fromFils(amounts.lines[i]!.totalFils),
    })),
  };
}
