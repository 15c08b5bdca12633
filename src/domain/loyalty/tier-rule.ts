/**
 * The tier rule (DOMAIN.md "Loyalty rules"): a customer's tier is the highest tier whose
 * threshold is at most their lifetime points. This is its one statement in TypeScript; the
 * set-based re-tiering in tiers.ts (putTiers) says the same in SQL, and the loyalty tests hold
 * the two equal.
 */
export function tierFor<T extends { threshold_points: number }>(tiers: readonly T[], lifetimePoints: number): T | undefined {
  let best: T | undefined;
  for (const t of tiers) if (t.threshold_points <= lifetimePoints && (!best || t.threshold_points > best.threshold_points)) best = t;
  return best;
}

/**
 * The lifetime points for which tierFor gives the same tier as for `lifetimePoints`: [lo, hi),
 * null for unbounded. A bill planned on an account's points stays right while the account's points
 * after it stay in this span (billing's bill_write checks that under the account's lock).
 */
export function tierSpan(tiers: readonly { threshold_points: number }[], lifetimePoints: number): { lo: number | null; hi: number | null } {
  let lo: number | null = null;
  let hi: number | null = null;
  for (const t of tiers) {
    if (t.threshold_points <= lifetimePoints) lo = lo === null ? t.threshold_points : Math.max(lo, t.threshold_points);
    else hi = hi === null ? t.threshold_points : Math.min(hi, t.threshold_points);
  }
  return { lo, hi };
}
