/**
 * Customers as the counter needs them: who, their tier and points — nothing else. Terminals may
 * not read the customer list (emails, addresses, spend), but the cashier must find the customer by
 * phone and see their tier (as /api/masters does for employees).
 * - Without a term: the shop's most recent customers (by their latest bill), which the terminal
 *   also keeps for offline suggestions.
 * - With a term: live customers whose phone holds its digits (at least 3), or whose name starts
 *   with it; most recently created first.
 */
import type { Db } from '../../db/client.ts';
import { likePattern, phoneFragment } from '../common/index.ts';

export interface CounterCustomer {
  id: number;
  name: string;
  phone: string;
  customer_type: string;
  business_name: string | null;
  trn: string | null;
  tier: string | null;
  tier_discount_percent: number;
  available_points: number;
}

export async function counterCustomers(sql: Db, shopId: number, term: string | undefined, limit: number): Promise<{ items: CounterCustomer[] }> {
  const t = term?.trim() ?? '';
  const digits = t ? phoneFragment(t) : '';
  const who = t
    ? sql`(
        select id, row_number() over (order by created_at desc, id desc) as ord from customers
        where shop_id = ${shopId} and deleted_at is null
          and (${digits ? sql`phone like ${likePattern(digits)}` : sql`false`} or lower(name) like ${`${t.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`})
        order by created_at desc, id desc limit ${limit})`
    : sql`(
        select customer_id as id, row_number() over (order by at desc) as ord from (
          select customer_id, max(created_at) as at from (
            select customer_id, created_at from bills
            where shop_id = ${shopId} and customer_id is not null order by created_at desc limit ${limit * 20}
          ) recent group by customer_id order by at desc limit ${limit}
        ) r)`;
  const rows = await sql<(Omit<CounterCustomer, 'tier_discount_percent'> & { tier_discount_percent: string | null })[]>`
    select c.id, c.name, c.phone, c.customer_type, c.business_name, c.trn,
      t.name as tier, t.discount_percent as tier_discount_percent, coalesce(a.available_points, 0)::bigint as available_points
    from ${who} w
    join customers c on c.shop_id = ${shopId} and c.id = w.id and c.deleted_at is null
    left join loyalty_accounts a on a.shop_id = c.shop_id and a.customer_id = c.id
    left join loyalty_tiers t on t.shop_id = c.shop_id and t.id = a.tier_id
    order by w.ord`;
  return {
    items: rows.map((r) => ({ ...r, available_points: Number(r.available_points), tier_discount_percent: Number(r.tier_discount_percent ?? 0) })),
  };
}
