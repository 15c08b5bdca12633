/** Schema pieces shared by every section: ids, pages, dates, money. */
import { type TSchema, Type } from '@sinclair/typebox';

export const Id = Type.Integer({ minimum: 1, maximum: 9007199254740991 });
export const IdParams = Type.Object({ id: Id });

/** The window of dates the API accepts (DOMAIN.md "Bounds"). */
export const MIN_DATE = '2000-01-01';
export const MAX_DATE = '2099-12-31';

/**
 * YYYY-MM-DD, a shop-local date within MIN_DATE..MAX_DATE. The pattern keeps the year in
 * 2000-2099 and `format` rejects impossible days; `x-error` is the message a client sees.
 */
export const DateStr = Type.String({
  format: 'date',
  pattern: '^20[0-9]{2}-[0-9]{2}-[0-9]{2}$',
  formatMinimum: MIN_DATE,
  formatMaximum: MAX_DATE,
  description: `A date, ${MIN_DATE} to ${MAX_DATE}`,
  examples: ['2026-11-28'],
  'x-error': `must be a date from ${MIN_DATE} to ${MAX_DATE}`,
});

/** Largest line rate, payment or expense, in currency units (DOMAIN.md "Bounds"). */
export const MAX_AMOUNT = 1_000_000;
/** Largest bill total, in fils: past it a bill is refused with 422 (only the computed total can pass it). */
export const MAX_BILL_TOTAL_FILS = 10_000_000 * 100;

/** Money as a JSON number, > 0, at most 2 decimals (checked when converted to fils), at most MAX_AMOUNT. */
export const Money = Type.Number({ exclusiveMinimum: 0, maximum: MAX_AMOUNT, description: `An amount, at most ${MAX_AMOUNT} with 2 decimals` });

/** Percentage 0-100 with up to 2 decimals. */
export const Percent = Type.Number({ minimum: 0, maximum: 100 });

export const Page = {
  page: Type.Integer({ minimum: 1, maximum: 1_000_000, default: 1 }),
  per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
};

/**
 * The query of a list that is small by nature (product types, tiers, users, terminals...): the same
 * envelope as every list (API.md), but a page holds the maximum, 200, unless asked otherwise, so
 * a client that reads only `items` still gets them all.
 */
export const ShortListQuery = Type.Object(
  { page: Page.page, per_page: Type.Integer({ minimum: 1, maximum: 200, default: 200 }) },
  { additionalProperties: false },
);

/** Free text searched with ILIKE; capped so a pasted novel does not become a trigram scan. */
export const Search = Type.String({ maxLength: 100 });

/** Short optional text fields (names, phones, cities). */
export const Text = (max = 200, min = 0) => Type.String({ minLength: min, maxLength: max });
/** A name: trimmed length 1..max. */
export const Name = (max = 200) => Type.String({ minLength: 1, maxLength: max, pattern: '\\S' });

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** An instant in a response: a Date inside, ISO 8601 in JSON. */
export const Instant = Type.Unsafe<Date>({ type: 'string', format: 'date-time' });
/** A date in a response (YYYY-MM-DD), as PostgreSQL's date columns are read. */
export const DateOut = Type.String({ format: 'date' });
/** A page of a list (API.md "Lists"). */
export const PageOf = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), page: Type.Integer({ minimum: 1 }), per_page: Type.Integer({ minimum: 1 }), total: Type.Integer({ minimum: 0 }) });
/** A whole short list. */
export const ItemsOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

export interface PageResult<T> {
  items: T[];
  page: number;
  per_page: number;
  total: number;
}

/** Escapes %, _ and \ so a search term matches literally inside ILIKE '%...%'. */
export function likePattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
