/** XLSX with exceljs's streaming writer: each row is committed to disk as it is written. */
import ExcelJS from 'exceljs';
import type { Row } from '../sources/types.ts';
import { fromFils } from '../../common/index.ts';
import { addTotals, totalsLabel, formatDate, progress, type WriteContext, type WriteResult } from './format.ts';

/**
 * exceljs's streaming writer has no back-pressure of its own: a committed row's XML is written
 * into a PassThrough feeding the zip, whatever that stream's buffer holds, so a cursor faster
 * than deflate piles rows up in memory. Between batches, wait until that buffer is below 4 MiB:
 * memory stays flat whatever the size of the report.
 */
async function drained(sheet: unknown): Promise<void> {
  const pipe = (sheet as { _stream?: { pipes?: { _writableState?: { length: number } }[] } })._stream?.pipes?.[0];
  const buffered = () => pipe?._writableState?.length ?? 0;
  for (let i = 0; i < 2000 && buffered() > 4 * 2 ** 20; i++) await new Promise((r) => setTimeout(r, 2));
}

export async function writeXlsx(path: string, ctx: WriteContext, batches: AsyncIterable<Row[]>): Promise<WriteResult> {
  // Fast deflate: report files are downloaded once; the CPU matters more than a few MiB. No cell
  // styles: resolving a style per cell halved the writer's speed; money columns name the
  // currency in their header (as in CSV) and hold numbers rounded to the fils.
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false, zip: { zlib: { level: 1 } } } as ConstructorParameters<typeof ExcelJS.stream.xlsx.WorkbookWriter>[0]);
  const sheet = wb.addWorksheet(ctx.title.slice(0, 31));
  sheet.columns = ctx.columns.map((c) => ({
    header: c.kind === 'money' ? `${c.header} (${ctx.shop.currency})` : c.header,
    key: c.key,
    width: c.kind === 'text' ? 24 : 14,
  }));
  const totals: Record<string, number> = {};
  const tick = progress(ctx);
  let rows = 0;
  for await (const batch of batches) {
    for (const r of batch) {
      addTotals(totals, ctx, r);
      const values: Record<string, unknown> = {};
      for (const c of ctx.columns) {
        const v = r[c.key];
        values[c.key] = c.kind === 'money' ? fromFils(Number(v ?? 0)) : c.kind === 'date' ? formatDate(v, ctx.shop.date_format) : c.kind === 'text' ? (v ?? '') : Number(v ?? 0);
      }
      sheet.addRow(values).commit();
      rows++;
    }
    tick(rows);
    await drained(sheet);
  }
  const totalRow: Record<string, unknown> = { [ctx.columns[0]!.key]: totalsLabel(ctx) };
  for (const c of ctx.columns) if (c.total) totalRow[c.key] = c.kind === 'money' ? fromFils(totals[c.key] ?? 0) : (totals[c.key] ?? 0);
  sheet.addRow(totalRow).commit();
  sheet.commit();
  const about = wb.addWorksheet('About');
  about.addRow(['Shop', ctx.shop.name]).commit();
  about.addRow(['TRN', ctx.shop.trn ?? '']).commit();
  about.addRow(['Report', ctx.title]).commit();
  about.addRow(['Period', `${formatDate(ctx.period.from, ctx.shop.date_format)} – ${formatDate(ctx.period.to, ctx.shop.date_format)}`]).commit();
  about.addRow(['Currency', ctx.shop.currency]).commit();
  about.addRow(['Time zone', ctx.shop.timezone]).commit();
  about.commit();
  await wb.commit();
  return { rows, totals };
}
