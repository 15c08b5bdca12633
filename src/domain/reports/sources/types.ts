/** A report's rows: columns with a kind (for formatting), a row count, and a cursor over the rows. */
import type { Db, Sql } from '../../../db/client.ts';
import type { ReportParams } from '../schema.ts';

export type ColumnKind = 'text' | 'money' | 'int' | 'date' | 'percent';

export interface Column {
  key: string;
  header: string;
  kind: ColumnKind;
  /** summed into the totals row */
  total?: boolean;
}

export type Row = Record<string, string | number | null>;

export interface ReportSource {
  title: string;
  columns: Column[];
  /** how many rows rows() will yield (for progress) */
  count(sql: Db, shopId: number, p: ReportParams): Promise<number>;
  /** rows from a server-side cursor, in batches: memory stays flat whatever the size */
  rows(sql: Sql, shopId: number, p: ReportParams): AsyncIterable<Row[]>;
  /** a chart of the summary types: label column and value column */
  chart?: { label: string; value: string };
  /** which rows the totals row sums, and how it is labelled (default: every row, "Total") */
  totals?: { label: string; include(row: Row): boolean };
}

/** Rows per cursor fetch. */
export const CURSOR_BATCH = 2000;
