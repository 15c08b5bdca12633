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
 *   programme's limits (422 otherwise); tier re-evaluated at once. That same tier's discount % goes
 *   on every line without a discount of its own (programme enabled).
 * - Defaults: delivery and trial dates from the shop's default days, the master from the default
 *   master (skipped when that employee is no longer active: a stale setting never stops a sale).
 * - Offline sales (terminals only, API.md "The counter"): `client_created_at` dates, numbers,
 *   taxes and counts the bill (created_at and its payments' paid_at are the time of sale); it may
 *   be at most 5 minutes ahead of the server and the shop's offline window back (422
 *   offline_too_old). A line rate must be the product's price then (422 stale_price); a product
 *   deleted since is still sold at that price. `offline_ref` is unique per terminal: the same
 *   offline bill sent again answers the bill made the first time.
 * - Cashier: a PIN session's bills record its cashier_id.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { type BillCustomer, billCustomer, findOrCreateByPhone } from '../customers/index.ts';
import { type LockedAccount, lockLoyaltyAccount } from './loyalty-lock.ts';
import { type LoyaltyConfigRow, type TierRow, tierHeld } from './loyalty-rules.ts';
import { type LineProduct, priceBill, settleBill } from './plan.ts';
import { type BillDetail, loadBill } from './present.ts';
import type { CreateBillBody } from './schema.ts';
import { loadShopBillingContext, type ShopBillingContext } from './shop-context.ts';
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

/**
 * The products of the shop among the items' product ids: live and active ones at their price now;
 * for an offline sale (`saleAt`) any product of the shop at its price then (product_prices,
 * migration 0026), since what was sold stays sold when the product is deleted before the sync.
 */
export async function lineProducts(tx: Db, shopId: number, items: CreateBillBody['items'], saleAt?: string): Promise<LineProduct[]> {
  const ids = [...new Set(items.map((i) => i.product_id))];
  if (saleAt === undefined) {
    return tx<LineProduct[]>`
      select p.id, p.name, p.rate_fils, p.rate_fils as rate_now_fils, t.name as type_name
      from products p join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
      where p.shop_id = ${shopId} and p.id in ${tx(ids)} and p.deleted_at is null and p.active`;
  }
  return tx<LineProduct[]>`
    select p.id, p.name, p.rate_fils as rate_now_fils, t.name as type_name,
      (select h.rate_fils from product_prices h
        -- at the time of sale's resolution (ms): a price from 10:00:00.123456 is in force at 10:00:00.123
        where h.shop_id = p.shop_id and h.product_id = p.id and date_trunc('milliseconds', h.valid_from) <= ${saleAt}::timestamptz
        order by h.valid_from desc limit 1) as rate_fils
    from products p join product_types t on t.shop_id = p.shop_id and t.id = p.type_id
    where p.shop_id = ${shopId} and p.id in ${tx(ids)}`;
}

/** Furthest ahead of the server's clock a terminal's time of sale may be. */
export const OFFLINE_AHEAD_MS = 5 * 60_000;

/** 422 offline_too_old unless `saleAt` is within [now − the shop's window, now + 5 min] (now: the clock's). */
export function checkSaleTime(saleAt: string, now: Date, ctx: ShopBillingContext): void {
  const ms = Date.parse(saleAt);
  const windowDays = ctx.defaults.offlineWindowDays;
  if (ms > now.getTime() + OFFLINE_AHEAD_MS || ms < now.getTime() - windowDays * 86_400_000) {
    throw ERRORS.businessRule(
      'offline_too_old',
      `client_created_at must be at most 5 minutes ahead and at most ${windowDays} days back; a manager enters this bill by hand`,
      { client_created_at: saleAt, window_days: windowDays },
    );
  }
}

/** The bill a terminal already made for this offline_ref, if any. */
export async function findOfflineBill(sql: Db, p: Principal, offlineRef: string): Promise<BillDetail | undefined> {
  const [row] = await sql<{ id: number }[]>`
    select id from bills where shop_id = ${p.shopId} and created_by_terminal = ${p.id} and offline_ref = ${offlineRef}`;
  return row ? loadBill(sql, p.shopId, row.id) : undefined;
}

export const isOfflineRefClash = (err: unknown): boolean => {
  const e = err as { code?: string; constraint_name?: string };
  return e?.code === '23505' && e.constraint_name === 'bills_offline_ref_key';
};

/** Loads what the bill refers to, plans it (plan.ts) and writes it (write.ts), in the caller's transaction. */
export async function createBill(
  tx: Db,
  p: Principal,
  body: CreateBillBody,
  options: CreateBillOptions,
): Promise<{ bill: BillDetail; tierChanged: boolean; seq: number | undefined }> {
  const shopId = p.shopId;
  const saleAt = body.client_created_at;
  if ((saleAt !== undefined || body.offline_ref !== undefined) && p.kind !== 'terminal') {
    throw ERRORS.forbidden('client_created_at and offline_ref come from terminals only');
  }
  if (body.offline_ref !== undefined) {
    const made = await findOfflineBill(tx, p, body.offline_ref);
    if (made) return { bill: made, tierChanged: false, seq: undefined };
  }
  // the shop's context and the products in one pipelined round trip
  const [ctx, found] = await Promise.all([
    // an offline sale is made at its time of sale: its day, number, VAT rate and stored times
    loadShopBillingContext(tx, shopId, saleAt === undefined ? options.now : new Date(saleAt), body.bill_date),
    lineProducts(tx, shopId, body.items, saleAt),
  ]);
  if (saleAt !== undefined) checkSaleTime(saleAt, options.now, ctx);

  let employee: { id: number; name: string } | undefined;
  const employeeId = body.employee_id ?? ctx.defaults.employeeId ?? undefined;
  if (employeeId !== undefined) {
    [employee] = await tx<{ id: number; name: string }[]>`
      select id, name from employees where shop_id = ${shopId} and id = ${employeeId} and deleted_at is null and active`;
    if (!employee && body.employee_id !== undefined) throw ERRORS.invalidReference('employee_id is not an active employee of this shop');
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

  const tierDiscountPercent = tierHeld(account, tiers)?.discount_percent ?? 0;
  const priced = priceBill(p, body, ctx, found, { tierDiscountPercent, offline: saleAt !== undefined });
  const plan = { ...priced, ...settleBill(priced, { body, ctx, customerId: customer?.id, account, tiers }) };
  return writeBill(tx, p, body, ctx, plan, { customer, newCustomer, employee, account, tiers }, options);
}

export type { LoyaltyConfigRow, TierRow };
