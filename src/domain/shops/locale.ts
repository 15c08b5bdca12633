/**
 * The rules a shop's currency, time zone and VAT rate must meet, shared by signup
 * (provision.ts) and the locale settings (settings/service.ts), so no shop can be created with
 * what the settings would refuse.
 *
 * - Currency: an ISO 4217 code whose minor unit has exactly 2 digits. Every amount is stored as
 *   integer hundredths (fils) and priced, taxed and rounded to 0.01, so a 3-digit currency (KWD,
 *   BHD, OMR, JOD) would lose its last digit and a 0-digit one (JPY) would carry fractions it
 *   cannot have.
 * - Time zone: known to the runtime (pages and the dashboard format with Intl) AND to Postgres
 *   (bill dates are the clock's instant `at time zone` in SQL): a zone only one of them knows would break billing.
 *   It is stored in its canonical spelling.
 */
import type { Db } from '../../db/client.ts';
import type { FieldError } from '../../errors.ts';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The error for a currency a shop cannot use, if any. */
export function currencyError(currency: string, field = 'currency'): FieldError | undefined {
  if (!CURRENCIES.has(currency)) return { field, message: 'is not an ISO 4217 currency code' };
  const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits;
  if (digits !== 2) {
    return { field, message: `has ${digits} decimal places; amounts are kept in hundredths, so only currencies with 2 decimal places are supported` };
  }
  return undefined;
}

/** The zone's canonical name when both the runtime and Postgres know it; otherwise undefined. */
export async function knownTimeZone(tx: Db, zone: string): Promise<string | undefined> {
  if (!isValidTimeZone(zone)) return undefined;
  const canonical = new Intl.DateTimeFormat('en', { timeZone: zone }).resolvedOptions().timeZone;
  const [known] = await tx`select 1 from pg_timezone_names where name = ${canonical}`;
  return known ? canonical : undefined;
}
