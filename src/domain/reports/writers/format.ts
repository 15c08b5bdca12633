/** Cell formatting shared by the writers: fils → money, dates in the shop's format, CSV-safe text. */
import type { Column, Row } from '../sources/types.ts';
import { filsText } from '../../common/index.ts';

export interface ShopMeta {
  name: string;
  trn: string | null;
  currency: string;
  timezone: string;
  date_format: string;
}

export interface WriteContext {
  title: string;
  shop: ShopMeta;
  period: { from: string; to: string };
  columns: Column[];
  /** rows expected, for progress */
  expected: number;
  onProgress(rowsWritten: number): void;
  chart?: { label: string; value: string };
  /** see ReportSource.totals */
  totals?: { label: string; include(row: Row): boolean };
}

export interface WriteResult {
  rows: number;
  /** column key → sum, in the column's unit (fils for money) */
  totals: Record<string, number>;
}

export function formatDate(value: unknown, pattern: string): string {
  if (value === null || value === undefined) return '';
  const s = String(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return s;
  return pattern.replace('YYYY', m[1]!).replace('MM', m[2]!).replace('DD', m[3]!);
}

/** A money cell's text: two decimals, exact from the fils. */
export const money = (fils: unknown) => filsText(fils as number | string | null);

/**
 * Text a spreadsheet would run as a formula (=, +, -, @, or a leading tab or carriage return)
 * gets a leading apostrophe: a customer named "=HYPERLINK(...)" stays a name (OWASP CSV injection).
 */
export function safeText(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
}

export function addTotals(totals: Record<string, number>, ctx: Pick<WriteContext, 'columns' | 'totals'>, row: Row): void {
  if (ctx.totals && !ctx.totals.include(row)) return;
  for (const c of ctx.columns) if (c.total) totals[c.key] = (totals[c.key] ?? 0) + Number(row[c.key] ?? 0);
}

/** The first cell of the totals row. */
export function totalsLabel(ctx: Pick<WriteContext, 'totals'>): string {
  return ctx.totals?.label ?? 'Total';
}

/** A total as text: money with 2 decimals, counts as they are. */
export function totalText(kind: string, value: number | undefined): string {
  return kind === 'money' ? money(value) : String(value ?? 0);
}

/** The totals row as text cells (CSV, PDF): the label, then each summed column's total. */
export function totalsRow(ctx: Pick<WriteContext, 'columns' | 'totals'>, totals: Record<string, number>): string[] {
  return ctx.columns.map((c, i) => (i === 0 ? totalsLabel(ctx) : c.total ? totalText(c.kind, totals[c.key]) : ''));
}

/**
 * Reports rows written about every 5% of the expected rows: at least 100 rows apart (a small
 * report is done before a push would help) and at most 5,000 (a long one still moves visibly).
 */
export function progress(ctx: WriteContext, step = Math.max(100, Math.min(5000, Math.ceil(ctx.expected / 20)))) {
  let next = step;
  return (n: number) => {
    if (n >= next) {
      next = n + step;
      ctx.onProgress(n);
    }
  };
}
