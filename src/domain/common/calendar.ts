/**
 * The calendar, in one place: dates as YYYY-MM-DD strings, months as YYYY-MM, and an instant's
 * date and hour in a shop's time zone. Pure functions; "now" comes from the clock (clock.ts).
 */
import { type Cache, cached, createCache } from './cache.ts';

// Building an Intl.DateTimeFormat costs far more than using one (it was a tenth of a dashboard
// read's CPU): keep one per time zone. IANA has about 600 zones; the bound only stops a caller
// that passes junk zones from growing the cache.
//
// Each also keeps its last answer and the second it was for: a busy shop asks for the same
// zone's date many times a second (a bill, its event, its push), and formatting is the costly
// part. A local date or hour only changes on a whole second of UTC, since every zone offset in
// the time zone database is a whole number of seconds, so the answer for the same second is exact.
interface ZoneFormat<T> {
  format: Intl.DateTimeFormat;
  /** The UTC second `value` is for (NaN before the first use). */
  second: number;
  value: T;
}
const dateFormats: Cache<string, ZoneFormat<string>> = createCache({ max: 1000 });
const hourFormats: Cache<string, ZoneFormat<number>> = createCache({ max: 1000 });

function formatted<T>(zone: ZoneFormat<T>, instant: Date, parse: (text: string) => T): T {
  // an invalid Date gives NaN, never equal, so format throws as it always did
  const second = Math.floor(instant.getTime() / 1000);
  if (second !== zone.second) {
    zone.value = parse(zone.format.format(instant));
    zone.second = second;
  }
  return zone.value;
}

/** YYYY-MM-DD of an instant in a time zone. */
export function localDate(instant: Date, timeZone: string): string {
  // en-CA formats as YYYY-MM-DD
  const zone = cached(dateFormats, timeZone, () => ({
    format: new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }),
    second: Number.NaN,
    value: '',
  }));
  return formatted(zone, instant, (text) => text);
}

/** 0-23: the hour of an instant in a time zone. */
export function localHour(instant: Date, timeZone: string): number {
  const zone = cached(hourFormats, timeZone, () => ({
    format: new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }),
    second: Number.NaN,
    value: 0,
  }));
  return formatted(zone, instant, Number);
}

/** Adds days to a YYYY-MM-DD date (calendar arithmetic, no time zone involved). */
export function addDays(day: string, n: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** Monday of the ISO week of a date. */
export function weekStart(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** Days in a month (m is 1-12). */
export function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

/** YYYY-MM-DD from its parts (m is 1-12). */
export function isoDate(y: number, m: number, d: number): string {
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Adds months to YYYY-MM. */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}

/** Most days dayRange lists: two periods of MAX_PERIOD_DAYS (a period and the one before it). */
const MAX_RANGE_DAYS = 2 * 3660;

/**
 * Inclusive list of dates from..to. The count is computed before the loop and capped: callers
 * check periods first (common/period.ts), and this refuses rather than loop on a bound nobody
 * checked (a date past 9999 once made the loop endless: its ISO string sorts below its input).
 */
export function dayRange(from: string, to: string): string[] {
  const n = Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
  if (!Number.isFinite(n)) throw new RangeError(`dayRange: not dates: ${from}..${to}`);
  if (n > MAX_RANGE_DAYS) throw new RangeError(`dayRange: ${n} days is more than ${MAX_RANGE_DAYS}`);
  const out: string[] = [];
  for (let i = 0, d = from; i < n; i++, d = addDays(d, 1)) out.push(d);
  return out;
}
