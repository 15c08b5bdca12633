/**
 * A bill's totals without writing anything: what the terminal shows while the bill is built.
 * The same pricing and arithmetic as createBill (priceLines), on the same VAT rate and price mode.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/principal.ts';
import { fromFils } from '../common/money.ts';
import { lineProducts, priceLines } from './create.ts';
import type { CreateBillBody } from './schema.ts';
import { loadShopBillingContext } from './shop-context.ts';

export async function quoteBill(sql: Db, p: Principal, body: CreateBillBody) {
  const [ctx, found] = await Promise.all([loadShopBillingContext(sql, p.shopId, body.bill_date), lineProducts(sql, p.shopId, body.items)]);
  if (ctx.vatPercent === undefined) {
    throw ERRORS.businessRule('no_vat_rate', `No VAT rate is in force on ${body.bill_date ?? ctx.today}`);
  }
  const { lines, amounts } = priceLines(p, body.items, found, ctx.vatPercent, ctx.pricesIncludeVat);
  return {
    bill_date: body.bill_date ?? ctx.today,
    vat_percent: ctx.vatPercent,
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
