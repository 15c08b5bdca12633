/** Schema pieces shared by every section: ids, pages, dates, money. */
import { type TSchema, Type } from '@sinclair/typebox';

export const Id = Type.Integer({ minimum: 1, maximum: 9007199254740991 });
export const IdParams = Type.Object({ id: Id });

/** YYYY-MM-DD, a shop-local date. */
export const DateStr = Type.String({ format: 'date', examples: ['2026-11-28'] });

/** Money as a JSON number, > 0, at most 2 decimals (checked when converted to fils). Max 100 million. */
export const Money = Type.Number({ exclusiveMinimum: 0, maximum: 100_000_000 });

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
