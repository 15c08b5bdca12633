/**
 * Locking a customer's loyalty account before writing its points and tier.
 *
 * An account's tier_id must come from the tier set it is committed with. A tier replacement
 * (loyalty/tiers.ts putTiers) holds the shop's loyalty_config row FOR UPDATE while it rewrites the
 * tiers, re-evaluates every account and deletes unlisted tiers; an account it cannot see (created
 * by a bill still in flight) is not re-evaluated. So a writer takes that row FOR SHARE first —
 * writers of different customers do not block each other, a replacement waits for them and they
 * wait for it — and reads the tiers in a LATER statement: under read committed a statement that
 * waited for a lock still reads with the snapshot it started with, which would predate the
 * replacement it waited for. The order config row, then account is putTiers' order too, so the two
 * never deadlock.
 */
import type { Db } from '../../db/client.ts';
import type { TierRow } from './loyalty-rules.ts';

export interface LockedAccount {
  available_points: number;
  lifetime_points: number;
  /** null only for an account enrolled by this transaction: the caller sets it before commit. */
  tier_id: number | null;
}

/**
 * Takes the programme lock, enrols the customer when `enrol` (default false) and the account is
 * missing, then locks the account (FOR UPDATE, to commit) and reads the shop's tiers under the
 * programme lock. `account` is undefined when the customer has none (only possible without `enrol`).
 * Two round trips.
 */
export async function lockLoyaltyAccount(
  tx: Db,
  shopId: number,
  customerId: number,
  enrol = false,
): Promise<{ account: LockedAccount | undefined; tiers: TierRow[] }> {
  if (enrol) {
    // The tier is left null here: this statement's snapshot may predate a replacement it waited
    // for, so any tier id it read could be one that replacement deleted.
    await tx`
      with programme as (select shop_id from loyalty_config where shop_id = ${shopId} for share)
      insert into loyalty_accounts (shop_id, customer_id) select shop_id, ${customerId} from programme
      on conflict (shop_id, customer_id) do nothing`;
  } else {
    await tx`select 1 from loyalty_config where shop_id = ${shopId} for share`;
  }
  const [row] = await tx<(LockedAccount & { tiers: TierRow[] | null })[]>`
    select a.available_points, a.lifetime_points, a.tier_id,
      (select json_agg(json_build_object('id', t.id, 'name', t.name, 'threshold_points', t.threshold_points, 'multiplier', t.multiplier, 'discount_percent', t.discount_percent))
        from loyalty_tiers t where t.shop_id = ${shopId}) as tiers
    from loyalty_accounts a where a.shop_id = ${shopId} and a.customer_id = ${customerId}
    for update of a`;
  if (!row) return { account: undefined, tiers: [] };
  const { tiers, ...account } = row;
  return {
    account,
    tiers: (tiers ?? []).map((t) => ({ ...t, threshold_points: Number(t.threshold_points), multiplier: Number(t.multiplier), discount_percent: Number(t.discount_percent) })),
  };
}
