/**
 * A bill's totals without writing anything: what the terminal shows while the bill is built.
 * The same plan as createBill (plan.ts priceBill), on the same VAT rate and price mode.
 */
import type { Db } from '../../db/client.ts';
import type { Principal } from '../auth/index.ts';
import { fromFils } from '../common/index.ts';
import { lineProducts } from './create.ts';
import { priceBill } from './plan.ts';
import type { CreateBillBody } from './schema.ts';
import { loadShopBillingContext } from './shop-context.ts';

export async function quoteBill(sql: Db, p: Principal, body: CreateBillBody, now: Date) {
  const [ctx, found] = await Promise.all([loadShopBillingContext(sql, p.shopId, now, body.bill_date), lineProducts(sql, p.shopId, body.items)]);
  const { lines, amounts, billDate, vatPercent } = priceBill(p, body, ctx, found);
  return {
    bill_date: billDate,
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
