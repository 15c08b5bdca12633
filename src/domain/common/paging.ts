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
