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
 *
 * Round trips (issue 20): on a warm node ONE, the write (write.ts): the plan (pure TypeScript,
 * plan.ts) is made from the inputs the node kept (inputs-cache.ts), and the write goes ahead only
 * while they are current. Otherwise two: one statement reads everything the plan needs (read.ts,
 * with the Idempotency-Key's stored answer), one writes it. Never BEGIN/COMMIT. A plan overtaken
 * by a concurrent change of the customer's account or the tiers is made again from a fresh read.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { type BillCustomer, newCustomerRow } from '../customers/index.ts';
import { type KeyOwner, replayOf, requestHash, type StoredResponse } from './idempotency.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import { type LoyaltyConfigRow, type TierRow, tierHeld } from './loyalty-rules.ts';
import { type LineProduct, priceBill, settleBill } from './plan.ts';
import { type BillDetail, loadBill } from './present.ts';
import { type BillInputsCache, keptBillOf } from './inputs-cache.ts';
import { type BillInputs, lineProductsQuery, readBillInputs } from './read.ts';
import type { CreateBillBody } from './schema.ts';
import type { ShopBillingContext } from './shop-context.ts';
import { type BillRefs, type BillRows, isStalePlan, presentRows, replayedBill, type WriteBillOptions, type WriteResult, writeBill } from './write.ts';

export { LOYALTY_METHOD } from './plan.ts';
export interface CreateBillOptions extends WriteBillOptions {
  /** The instant of the sale, from the process's clock (common/clock.ts). */
  now: Date;
  /** The request's Idempotency-Key, if any. */
  key?: string;
  /**
   * Awaited after the read and before the write: the route's rate-limit decision, which so runs
   * beside the read instead of before it (issue 20). A rejection stops the bill before anything
   * is written.
   */
  beforeWrite?: () => Promise<void>;
  /** The node's kept inputs (inputs-cache.ts): with them a bill on a warm node is one round trip. */
  inputs?: BillInputsCache;
}

/** How often a bill is planned again when a concurrent change overtook its plan before answering 409. */
const PLAN_ATTEMPTS = 10;

/**
 * The products of the shop among the items' product ids: live and active ones at their price now;
 * for an offline sale (`saleAt`) any product of the shop at its price then (product_prices,
 * migration 0026), since what was sold stays sold when the product is deleted before the sync.
 */
export async function lineProducts(tx: Db, shopId: number, items: CreateBillBody['items'], saleAt?: string): Promise<LineProduct[]> {
  return lineProductsQuery(tx, shopId, items, saleAt);
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

export interface CreatedBill {
  bill: BillDetail;
  /** the answer stored under the Idempotency-Key (or the offline bill made already) */
  replayed: boolean;
  status: number;
  tierChanged: boolean;
  seq: number | undefined;
}

function replayed(r: StoredResponse): CreatedBill {
  return { ...replayedBill(r), tierChanged: false, seq: undefined };
}

/**
 * Plans the bill (plan.ts) from kept inputs or a fresh read and writes it (write.ts): one round
 * trip or two, on the pool (not inside a transaction: the write is its own). With `key`, the
 * Idempotency-Key is claimed by the write, which answers the stored response when it was done
 * already (and so does a fresh read, before planning).
 */
export async function createBill(sql: Db, p: Principal, body: CreateBillBody, options: CreateBillOptions): Promise<CreatedBill> {
  const shopId = p.shopId;
  const saleAt = body.client_created_at;
  const { key } = options;
  if (key !== undefined && key.length > 200) throw ERRORS.validation([{ field: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
  if ((saleAt !== undefined || body.offline_ref !== undefined) && p.kind !== 'terminal') {
    throw ERRORS.forbidden('client_created_at and offline_ref come from terminals only');
  }
  const owner: KeyOwner = p;
  const route = 'POST /api/bills';
  const hash = key === undefined ? '' : requestHash(route, body);

  // A customer named by phone is checked (and its phone normalised) before the read, which looks
  // it up by that phone; its error is reported where the customer's turn comes, as before.
  const ref = body.customer;
  let newRow: ReturnType<typeof newCustomerRow> | undefined;
  let customerError: unknown;
  if (ref && ref.id === undefined) {
    try {
      if (!ref.phone || !ref.name) {
        throw ERRORS.validation([{ field: ref.phone ? 'customer.name' : 'customer.phone', message: 'is required (or give customer.id)' }]);
      }
      newRow = newCustomerRow({ ...ref, phone: ref.phone, name: ref.name });
    } catch (err) {
      customerError = err;
    }
  }

  const phone = newRow?.phone;
  const inputsCache = options.inputs;
  const claim = key === undefined ? undefined : { kind: owner.kind, id: owner.id, key, route, hash, status: 201 };

  /** The plan from the inputs (fresh or kept), with every rule checked; throws the request's error. */
  function planFrom(inputs: BillInputs) {
    const { ctx } = inputs;
    if (saleAt !== undefined) checkSaleTime(saleAt, options.now, ctx);

    const employeeId = body.employee_id ?? ctx.defaults.employeeId ?? undefined;
    const employee = employeeId === undefined ? undefined : inputs.employees.find((e) => e.id === employeeId);
    if (!employee && body.employee_id !== undefined) throw ERRORS.invalidReference('employee_id is not an active employee of this shop');

    if (customerError) throw customerError;
    if (ref?.id !== undefined && !inputs.customer) throw ERRORS.invalidReference('customer.id is not a customer of this shop');
    const customer: BillCustomer | undefined = inputs.customer;
    const newCustomer = ref && !customer && newRow ? newRow : undefined;
    // a customer the write creates has no id yet: the plan only asks whether there is one
    const customerId = customer?.id ?? (newCustomer ? 0 : undefined);

    // In an enabled programme the bill's customer has an account (enrolled by the write when
    // missing): the plan is made on the account as read, and the write checks it under lock.
    let account: LockedAccount | undefined;
    let tiers: TierRow[] = [];
    if (ctx.loyalty.enabled && customerId !== undefined) {
      account = inputs.account ?? { available_points: 0, lifetime_points: 0, tier_id: null };
      tiers = inputs.tiers;
    }

    const tierDiscountPercent = tierHeld(account, tiers)?.discount_percent ?? 0;
    const priced = priceBill(p, body, ctx, inputs.products, { tierDiscountPercent, offline: saleAt !== undefined });
    const plan = { ...priced, ...settleBill(priced, { body, ctx, customerId, account, tiers }) };
    const refs: BillRefs = {
      ...(customer ? { customer } : {}),
      ...(newCustomer ? { newCustomer } : {}),
      ...(employee ? { employee } : {}),
      ...(account ? { account } : {}),
      tiers,
      tiersMd5: inputs.tiersMd5,
    };
    return { ctx, plan, refs };
  }

  /** The answer to a written bill; the node keeps its customer and the account it left. */
  function made(w: Extract<WriteResult, { rows: BillRows }>, inputs: BillInputs, refs: BillRefs): CreatedBill {
    const c = refs.customer ?? (refs.newCustomer && w.rows.bill.customer_id !== null ? { ...refs.newCustomer, id: w.rows.bill.customer_id } : undefined);
    if (c && inputsCache) {
      const kept: BillCustomer = { id: c.id, name: c.name, phone: c.phone, city: c.city ?? null, area: c.area ?? null, trn: c.trn ?? null, customer_type: c.customer_type };
      inputsCache.wrote(shopId, kept, w.account ?? inputs.account);
    }
    // a payment on this bill from this node is then decided on it (payments.ts)
    inputsCache?.keepBill(shopId, w.rows.bill.id, keptBillOf(w.rows, p.kind === 'terminal' ? p.id : null));
    return { bill: presentRows(w.rows), replayed: false, status: 201, tierChanged: w.tierChanged, seq: w.seq };
  }

  // A warm node plans from the inputs it kept and writes in one round trip; the write refuses
  // inputs that are no longer current, and the bill is then made from a fresh read below.
  const kept = inputsCache && !customerError ? inputsCache.recall(shopId, body, options.now, phone) : undefined;
  if (kept) {
    let planned: ReturnType<typeof planFrom> | undefined;
    try {
      planned = planFrom(kept);
    } catch {
      // a refusal is decided on rows as they are now: the fresh read below decides it again
    }
    if (planned) {
      await options.beforeWrite?.();
      let w: WriteResult | undefined;
      try {
        w = await writeBill(sql, p, body, planned.ctx, planned.plan, planned.refs, claim, options, kept.expect);
      } catch (err) {
        if (!isStalePlan(err)) throw err;
      }
      if (w && 'replay' in w) return replayed(replayOf(w.replay, hash));
      if (w && 'rows' in w) return made(w, kept, planned.refs);
      // undefined: bill_write refused the customer's account; stale: what the shop's inputs checked
      inputsCache!.forget(shopId, body, phone, w !== undefined);
    }
  }

  for (let attempt = 1; ; attempt++) {
    const inputs = await readBillInputs(sql, p, body, {
      // an offline sale is made at its time of sale: its day, number, VAT rate and stored times
      at: saleAt === undefined ? options.now : new Date(saleAt),
      ...(phone === undefined ? {} : { phone }),
      ...(key === undefined ? {} : { key: { kind: owner.kind, id: owner.id, key } }),
    });
    if (inputs.replay) return replayed(replayOf(inputs.replay, hash));
    if (inputs.offlineBillId !== undefined) {
      return { bill: await loadBill(sql, shopId, inputs.offlineBillId), replayed: false, status: 201, tierChanged: false, seq: undefined };
    }
    inputsCache?.remember(shopId, body, inputs, phone);
    const { ctx, plan, refs } = planFrom(inputs);
    await options.beforeWrite?.();
    try {
      const w = await writeBill(sql, p, body, ctx, plan, refs, claim, options);
      if ('replay' in w) return replayed(replayOf(w.replay, hash));
      if ('rows' in w) return made(w, inputs, refs);
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      if (attempt >= PLAN_ATTEMPTS) throw ERRORS.conflict('The customer\'s loyalty account kept changing while this bill was made; send it again');
    }
  }
}

export type { LoyaltyConfigRow, TierRow };
