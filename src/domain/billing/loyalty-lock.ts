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
 * never deadlock. The bill's and the cancellation's writing statements (SQL bill_write and
 * cancel_write, migrations 0040 and 0041) do this: each statement of a plpgsql function takes a
 * new snapshot.
 */

export interface LockedAccount {
  available_points: number;
  lifetime_points: number;
  /** null only for an account not yet enrolled, or enrolled by a bill still in flight */
  tier_id: number | null;
}
