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
