/** The common section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { cached, createCache } from './cache.ts';
export type { Cache } from './cache.ts';
export { addDays, addMonths, dayRange, daysInMonth, isoDate, localDate, localHour, weekStart } from './calendar.ts';
export { systemClock } from './clock.ts';
export type { Clock } from './clock.ts';
export { divRound, filsText, fromFils, isHundredths, toFils, twoDecimals } from './money.ts';
export type { ChangeNotifier } from './notifier.ts';
export { offsetOf, pageOfAll, pageResult } from './paging.ts';
export type { PageArgs } from './paging.ts';
export { checkOptionalPeriod, checkPeriod } from './period.ts';
export { normalizePhone, phoneFragment } from './phone.ts';
export { DateOut, DateStr, Id, IdParams, Instant, ItemsOf, MAX_BILL_TOTAL_FILS, MIN_DATE, Money, Name, Nullable, Page, PageOf, Percent, Search, ShortListQuery, Text, likePattern } from './schema.ts';
export type { PageResult } from './schema.ts';
