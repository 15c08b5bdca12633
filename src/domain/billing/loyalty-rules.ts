/**
 * Loyalty arithmetic (DOMAIN.md "Loyalty rules"), exact in integers:
 * - earned = floor(total × points_per_unit × multiplier of the tier held before the bill)
 * - redemption: at least min_redeem_points, at most the available points, and worth at most
 *   max_redeem_percent of the bill total (and never more than the total)
 * - tier: loyalty/tier-rule.ts
 */
import type { RuleCode } from '../../errors.ts';
import { tierFor } from '../loyalty/index.ts';
import { hundredths } from './arithmetic.ts';

export interface TierRow {
  id: number;
  name: string;
  threshold_points: number;
  multiplier: number;
  /** the discount % a customer in this tier gets on lines without a discount of their own */
  discount_percent: number;
}

export interface LoyaltyConfigRow {
  enabled: boolean;
  points_per_unit: number;
  point_value_fils: number;
  min_redeem_points: number;
  max_redeem_percent: number;
}

/** floor(total_fils/100 × ppu × multiplier), with ppu and multiplier in hundredths. */
export function pointsEarned(totalFils: number, pointsPerUnit: number, multiplier: number): number {
  const v = (BigInt(totalFils) * hundredths(pointsPerUnit) * hundredths(multiplier)) / 1_000_000n;
  return Number(v);
}

/**
 * The tier an account holds before a bill: its stored tier, or for an account enrolled by this
 * bill (no tier yet) the one its lifetime points give (the lowest).
 */
export function tierHeld(account: { tier_id: number | null; lifetime_points: number } | undefined, tiers: TierRow[]): TierRow | undefined {
  if (!account) return undefined;
  return tiers.find((t) => t.id === account.tier_id) ?? tierFor(tiers, account.lifetime_points);
}

export type RedemptionCheck = { ok: true; valueFils: number } | { ok: false; code: RuleCode; message: string };

/** The value in fils of redeeming `points` on a bill of `totalFils`, or why it is refused. */
export function checkRedemption(points: number, available: number, totalFils: number, cfg: LoyaltyConfigRow): RedemptionCheck {
  if (!cfg.enabled) return { ok: false, code: 'loyalty_disabled', message: 'The loyalty programme is not enabled' };
  if (points < cfg.min_redeem_points) {
    return { ok: false, code: 'redemption_below_minimum', message: `At least ${cfg.min_redeem_points} points must be redeemed` };
  }
  if (points > available) return { ok: false, code: 'insufficient_points', message: `Only ${available} points are available` };
  const valueFils = points * cfg.point_value_fils;
  const maxFils = Number((BigInt(totalFils) * hundredths(cfg.max_redeem_percent)) / 10_000n);
  if (valueFils > maxFils) {
    return { ok: false, code: 'redemption_over_limit', message: `Points may pay at most ${cfg.max_redeem_percent}% of this bill` };
  }
  return { ok: true, valueFils };
}
