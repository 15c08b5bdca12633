/** Offset pagination for lists (API.md: ?page=&per_page=, max 200). */
import type { PageResult } from './schema.ts';

export interface PageArgs {
  page: number;
  per_page: number;
}

export function offsetOf(p: PageArgs): number {
  return (p.page - 1) * p.per_page;
}

export function pageResult<T>(items: T[], p: PageArgs, total: number): PageResult<T> {
  return { items, page: p.page, per_page: p.per_page, total };
}

/** A page of a list read whole (a short one, see ShortListQuery). */
export function pageOfAll<T>(all: T[], p: PageArgs): PageResult<T> {
  return pageResult(all.slice(offsetOf(p), offsetOf(p) + p.per_page), p, all.length);
}
