/**
 * Periods a client asks for (insights, employee performance, reports, lists filtered by date).
 * Their length is computed arithmetically and checked before any per-day work, so no loop ever
 * runs on a bound a client chose (DOMAIN.md "Bounds").
 */
import { ERRORS } from '../../errors.ts';

/** Longest period any route accepts, in days (ten years). */
export const MAX_PERIOD_DAYS = 3660;

const DAY_MS = 86_400_000;

/** Days from `from` to `to` (YYYY-MM-DD), both included: 1 for one day, 0 or less when reversed. */
export function periodDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS) + 1;
}

/**
 * Throws 400 naming `from` when the period is reversed or longer than `maxDays`. Both dates have
 * passed the schema's window (2000-01-01 to 2099-12-31) already.
 */
export function checkPeriod(from: string, to: string, maxDays = MAX_PERIOD_DAYS): number {
  const days = periodDays(from, to);
  if (!(days >= 1)) throw ERRORS.validation([{ field: 'from', message: 'must not be after to' }]);
  if (days > maxDays) throw ERRORS.validation([{ field: 'from', message: `the period may span at most ${maxDays} days` }]);
  return days;
}

/** checkPeriod for a list whose `from` and `to` filters are each optional: only a closed period has a length. */
export function checkOptionalPeriod(from: string | undefined, to: string | undefined, maxDays = MAX_PERIOD_DAYS): void {
  if (from !== undefined && to !== undefined) checkPeriod(from, to, maxDays);
}
