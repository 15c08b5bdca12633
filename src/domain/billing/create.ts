/**
 * POST /api/bills: everything computed on the server, written in one transaction — the bill, its
 * lines (one row per line; identical lines stay separate), its first payments, the customer
 * (created from an unknown phone and enrolled in loyalty), the loyalty movements, and one event
 * for the aggregates. Rules (DOMAIN.md):
 * - VAT: the shop's rate in force on the bill date (422 when none); inclusive or exclusive per settings.
 * - Numbers: BILL-YYYYMMDD-NNN on the shop-local date of creation, from bill_counters (row lock
 *   held to commit: no duplicates, and a rolled-back bill gives its number back: no gaps).
 * - Rates: a line may carry its own rate only for owners and managers (403 otherwise).
 * - Payments: methods from the shop's list (plus "Loyalty" for points); their sum may not exceed
 *   the total (422). Payment mode "full": without payments, the balance is taken in the shop's
 *   first payment method; with payments that do not cover the total, 422.
 * - Loyalty: earned on the total with the tier held before the bill; redemption within the
 *   programme's limits (422 otherwise); tier re-evaluated at once.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { type BillCustomer, billCustomer, findOrCreateByPhone } from '../customers/index.ts';
import { type LockedAccount, lockLoyaltyAccount } from './loyalty-lock.ts';
import type { LoyaltyConfigRow, TierRow } from './loyalty-rules.ts';
import { type LineProduct, priceBill, settleBill } from './plan.ts';
import type { BillDetail } from './present.ts';
import type { CreateBillBody } from './schema.ts';
import { loadShopBillingContext } from './shop-context.ts';
import { type WriteBillOptions, writeBill } from './write.ts';

export { LOYALTY_METHOD } from './plan.ts';
export interface CreateBillOptions extends WriteBillOptions {
  /** The instant of the sale, from the process's clock (common/clock.ts). */
  now: Date;
}

/** The bill's customer: by id, or found or created by phone under the customers section's rules. */
async function resolveCustomer(tx: Db, shopId: number, ref: NonNullable<CreateBillBody['customer']>): Promise<{ customer: BillCustomer; created: boolean }> {
  if (ref.id !== undefined) return { customer: await billCustomer(tx, shopId, ref.id), created: false };
  if (!ref.phone || !ref.name) {
    throw ERRORS.validation([{ field: ref.phone ? 'customer.name' : 'customer.phone', message: 'is required (or give customer.id)' }]);
  }
  return findOrCreateByPhone(tx, shopId, { ...ref, phone: ref.phone, name: ref.name });
}

/** The live, active products of the shop among the items' product ids. */
export async function lineProducts(tx: Db, shopId: number, items: CreateBillBody['items']): Promise<LineProduct[]> {
  const ids = [...new Set(items.map((i) => i.product_id))];
  return tx<LineProduct[]>`
    select p.id, p.name, p.rate_fils, t.name as type_name
    from products p join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
    where p.shop_id = ${shopId} and p.id in ${tx(ids)} and p.deleted_at is null and p.active`;
}

/** Loads what the bill refers to, plans it (plan.ts) and writes it (write.ts), in the caller's transaction. */
export async function createBill(
  tx: Db,
  p: Principal,
  body: CreateBillBody,
  options: CreateBillOptions,
): Promise<{ bill: BillDetail; tierChanged: boolean; seq: number | undefined }> {
  const shopId = p.shopId;
  // the shop's context and the products in one pipelined round trip
  const [ctx, found] = await Promise.all([loadShopBillingContext(tx, shopId, options.now, body.bill_date), lineProducts(tx, shopId, body.items)]);
  const priced = priceBill(p, body, ctx, found);

  let employee: { id: number; name: string } | undefined;
  if (body.employee_id !== undefined) {
    [employee] = await tx<{ id: number; name: string }[]>`
      select id, name from employees where shop_id = ${shopId} and id = ${body.employee_id} and deleted_at is null and active`;
    if (!employee) throw ERRORS.invalidReference('employee_id is not an active employee of this shop');
  }

  let customer: BillCustomer | undefined;
  let newCustomer = false;
  if (body.customer) ({ customer, created: newCustomer } = await resolveCustomer(tx, shopId, body.customer));

  // Loyalty account, locked for the rest of the transaction (redemption and earning read-modify-write
  // it), with the tiers read under the programme lock so a concurrent tier replacement cannot change
  // them before the commit. Only bills with a customer in an enabled programme pay these round trips.
  let account: LockedAccount | undefined;
  let tiers: TierRow[] = [];
  if (ctx.loyalty.enabled && customer) ({ account, tiers } = await lockLoyaltyAccount(tx, shopId, customer.id, true));

  const plan = { ...priced, ...settleBill(priced, { body, ctx, customerId: customer?.id, account, tiers }) };
  return writeBill(tx, p, body, ctx, plan, { customer, newCustomer, employee, account, tiers }, options);
}

export type { LoyaltyConfigRow, TierRow };
