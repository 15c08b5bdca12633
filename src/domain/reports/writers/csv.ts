/** CSV, streamed: rows go from the cursor to the file with back-pressure, never all in memory. */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Row } from '../sources/types.ts';
import { addTotals, formatDate, money, progress, safeText, totalsRow, type WriteContext, type WriteResult } from './format.ts';

export async function writeCsv(path: string, ctx: WriteContext, batches: AsyncIterable<Row[]>): Promise<WriteResult> {
  const out = createWriteStream(path);
  const csv = stringify({ bom: true });
  csv.pipe(out);
  const cell = (kind: string, v: unknown) =>
    kind === 'money' ? money(v) : kind === 'date' ? formatDate(v, ctx.shop.date_format) : kind === 'int' || kind === 'percent' ? String(v ?? 0) : safeText(v);
  csv.write(ctx.columns.map((c) => (c.kind === 'money' ? `${c.header} (${ctx.shop.currency})` : c.header)));
  const totals: Record<string, number> = {};
  const tick = progress(ctx);
  let rows = 0;
  for await (const batch of batches) {
    for (const r of batch) {
      addTotals(totals, ctx, r);
      if (!csv.write(ctx.columns.map((c) => cell(c.kind, r[c.key])))) await once(csv, 'drain');
      rows++;
    }
    tick(rows);
  }
  csv.write(totalsRow(ctx, totals));
  csv.end();
  await finished(out);
  return { rows, totals };
}
