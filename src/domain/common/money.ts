/**
 * Money is integer fils inside (1.00 AED = 100 fils) and a JSON number with at most 2 decimals
 * outside. Conversions happen only at the edge, here.
 */
import { ERRORS } from '../../errors.ts';

/** 12.5 → 1250. Throws 400 naming `field` when the amount has more than 2 decimals. */
export function toFils(amount: number, field: string): number {
  const scaled = amount * 100;
  const fils = Math.round(scaled);
  if (!Number.isFinite(amount) || Math.abs(scaled - fils) > 1e-6) {
    throw ERRORS.validation([{ field, message: 'must have at most 2 decimals' }]);
  }
  return fils;
}

/** 1250 → 12.5 */
export function fromFils(fils: number): number {
  return fils / 100;
}

/**
 * Rounds a rational amount of fils half away from zero: round(num / den).
 * Works on integers only (bigint inside) so no float error creeps into VAT or discounts.
 */
export function divRound(num: bigint, den: bigint): bigint {
  if (den <= 0n) throw new RangeError('denominator must be positive');
  const neg = num < 0n;
  const a = neg ? -num : num;
  const q = (2n * a + den) / (2n * den);
  return neg ? -q : q;
}
