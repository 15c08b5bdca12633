/**
 * Money is integer fils inside (1.00 AED = 100 fils) and a JSON number with at most 2 decimals
 * outside. Conversions happen only at the edge, here.
 */
import { ERRORS, type FieldError } from '../../errors.ts';

const TWO_DECIMALS = 'must have at most 2 decimals';

/** Whether a number is a whole number of hundredths (money, and percentages stored as numeric(_,2)). */
export function isHundredths(v: number): boolean {
  return Number.isFinite(v) && Math.abs(v * 100 - Math.round(v * 100)) <= 1e-6;
}

/** 12.5 → 1250. Throws 400 naming `field` when the amount has more than 2 decimals. */
export function toFils(amount: number, field: string): number {
  if (!isHundredths(amount)) throw ERRORS.validation([{ field, message: TWO_DECIMALS }]);
  return Math.round(amount * 100);
}

/** Field errors for the numbers that have more than 2 decimals (numeric(_,2) columns would round them silently). */
export function twoDecimals(values: Record<string, number>): FieldError[] {
  return Object.entries(values)
    .filter(([, v]) => !isHundredths(v))
    .map(([field]) => ({ field, message: TWO_DECIMALS }));
}

/** 1250 → 12.5 (the JSON number the API speaks) */
export function fromFils(fils: number): number {
  return fils / 100;
}

/**
 * 1250 → "12.50", -5 → "-0.05": the text of an amount, exact from the integer (files, messages).
 * Accepts what drivers return for sums (a bigint or a numeric string); null counts as 0.
 */
export function filsText(fils: number | bigint | string | null | undefined): string {
  const n = typeof fils === 'bigint' ? fils : BigInt(Math.round(Number(fils ?? 0)));
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
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
