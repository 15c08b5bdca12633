/**
 * Everything a bill's plan needs, read in ONE statement outside any transaction (issue 20): the
 * shop's context, the products, the employee, the customer, the customer's loyalty account and
 * the shop's tiers (with their md5, which the write compares under the programme lock), the
 * Idempotency-Key's stored answer and an offline bill made already. Nothing here is locked: the
 * write (write.ts, SQL bill_write) locks and re-checks what a concurrent writer could change
 * under the plan, as the transaction did before.
 */
import type { Db } from '../../db/client.ts';
import { theRow } from '../../db/errors.ts';
import type { Principal } from '../auth/index.ts';
import type { BillCustomer } from '../customers/index.ts';
import type { LockedAccount } from './loyalty-lock.ts';
import type { TierRow } from './loyalty-rules.ts';
import type { LineProduct } from './plan.ts';
import type { CreateBillBody } from './schema.ts';
import { type ContextRow, type ShopBillingContext, shopContextQuery, toShopContext } from './shop-context.ts';

/** The products of the shop among the items' ids, unexecuted (lineProducts in create.ts runs it). */
export function lineProductsQuery(tx: Db, shopId: number, items: CreateBillBody['items'], saleAt?: string) {
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

/** The read versions a bill's plan depends on (migration 0043, SQL bill_input_versions: the same three). */
export interface InputVersions {
  settings: number;
  catalogue: number;
  employees: number;
}
export const INPUT_SECTIONS = ['settings', 'catalogue', 'employees'] as const;

/** An Idempotency-Key's stored row. */
export interface KeyRow {
  status: number;
  response: unknown;
  request_hash: string;
}

export interface BillInputs {
  ctx: ShopBillingContext;
  /** the context as read (kept by inputs-cache.ts) */
  ctxRow: ContextRow;
  /** the shop's read versions of what the plan read, from the same snapshot (migration 0043) */
  versions: InputVersions;
  products: LineProduct[];
  /** active employees among the request's and the shop's default master (at most two) */
  employees: { id: number; name: string }[];
  customer: BillCustomer | undefined;
  /** the customer's account as it was read (not locked); undefined without a customer or account */
  account: LockedAccount | undefined;
  tiers: TierRow[];
  /** md5 of loyalty_tiers_json (migration 0040): bill_write refuses a plan made on other tiers */
  tiersMd5: string | null;
  replay: KeyRow | undefined;
  offlineBillId: number | undefined;
}

export interface ReadOptions {
  /** the instant of the sale (the clock's, or client_created_at) */
  at: Date;
  /** the customer's phone, normalised, when the request names the customer by phone */
  phone?: string;
  key?: { kind: string; id: number; key: string };
}

interface InputsRow {
  ctx: ContextRow | null;
  versions: InputVersions;
  products: LineProduct[];
  employees: { id: number; name: string }[];
  customer: BillCustomer | null;
  account: LockedAccount | null;
  tiers: { list: TierRow[]; md5: string } | null;
  replay: KeyRow | null;
  offline_bill_id: number | null;
}

export async function readBillInputs(sql: Db, p: Principal, body: CreateBillBody, o: ReadOptions): Promise<BillInputs> {
  const shopId = p.shopId;
  const ref = body.customer;
  const customerCond =
    ref?.id !== undefined ? sql`c.id = ${ref.id}` : o.phone !== undefined ? sql`c.phone = ${o.phone}` : sql`false`;
  const rows = await sql<InputsRow[]>`
    with cust as (
      select c.id, c.name, c.phone, c.city, c.area, c.trn, c.customer_type from customers c
      where c.shop_id = ${shopId} and c.deleted_at is null and ${customerCond}
    )
    select
      bill_input_versions(${shopId}) as versions,
      (select to_jsonb(x) from (${shopContextQuery(sql, shopId, o.at, body.bill_date)}) x) as ctx,
      (select coalesce(jsonb_agg(x), '[]'::jsonb) from (${lineProductsQuery(sql, shopId, body.items, body.client_created_at)}) x) as products,
      (select coalesce(jsonb_agg(jsonb_build_object('id', e.id, 'name', e.name)), '[]'::jsonb) from employees e
        where e.shop_id = ${shopId} and e.deleted_at is null and e.active
          and (e.id = ${body.employee_id ?? null}::bigint
            or e.id::text = (select s.billing_config->>'default_employee_id' from shop_settings s where s.shop_id = ${shopId}))) as employees,
      (select to_jsonb(cust) from cust) as customer,
      (select to_jsonb(a) from (
        select a.available_points, a.lifetime_points, a.tier_id from loyalty_accounts a
        where a.shop_id = ${shopId} and a.customer_id = (select id from cust)) a) as account,
      ${ref === undefined ? sql`null::jsonb` : sql`(select jsonb_build_object('list', j, 'md5', md5(j::text)) from loyalty_tiers_json(${shopId}) j)`} as tiers,
      ${
        o.key === undefined
          ? sql`null::jsonb`
          : sql`(select to_jsonb(k) from (
              select status, response, request_hash from idempotency_keys
              where shop_id = ${shopId} and principal_kind = ${o.key.kind} and principal_id = ${o.key.id} and key = ${o.key.key}) k)`
      } as replay,
      ${
        body.offline_ref === undefined
          ? sql`null::bigint`
          : sql`(select id from bills where shop_id = ${shopId} and created_by_terminal = ${p.id} and offline_ref = ${body.offline_ref})`
      } as offline_bill_id`;
  const r = theRow(rows);
  if (!r.ctx) throw new Error(`shop ${shopId} has no settings`);
  return {
    ctx: toShopContext(r.ctx, shopId, o.at),
    ctxRow: r.ctx,
    versions: r.versions,
    products: r.products,
    employees: r.employees,
    customer: r.customer ?? undefined,
    account: r.account ?? undefined,
    tiers: (r.tiers?.list ?? []).map((t) => ({
      ...t,
      threshold_points: Number(t.threshold_points),
      multiplier: Number(t.multiplier),
      discount_percent: Number(t.discount_percent),
    })),
    tiersMd5: r.tiers?.md5 ?? null,
    replay: r.replay ?? undefined,
    offlineBillId: r.offline_bill_id ?? undefined,
  };
}
