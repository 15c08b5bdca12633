/**
 * PDF with pdfkit: a header with the shop's name and TRN, the rows as a table (landscape when
 * wide), the totals, and for the summary types a bar chart of the largest values. A PDF is for
 * reading: past MAX_PDF_ROWS detail rows it says so and keeps only the totals (CSV and XLSX carry
 * every row).
 */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import type { Row } from '../sources/types.ts';
import { addTotals, formatDate, money, progress, totalsRow, totalText, type WriteContext, type WriteResult } from './format.ts';

export const MAX_PDF_ROWS = 20_000;

export async function writePdf(path: string, ctx: WriteContext, batches: AsyncIterable<Row[]>): Promise<WriteResult> {
  const landscape = ctx.columns.length > 7;
  const doc = new PDFDocument({ size: 'A4', layout: landscape ? 'landscape' : 'portrait', margin: 36, bufferPages: false });
  const out = createWriteStream(path);
  doc.pipe(out);
  const left = doc.page.margins.left;
  const width = doc.page.width - left - doc.page.margins.right;
  const colW = width / ctx.columns.length;
  const cell = (kind: string, v: unknown) => (kind === 'money' ? money(v) : kind === 'date' ? formatDate(v, ctx.shop.date_format) : String(v ?? ''));

  doc.font('Helvetica-Bold').fontSize(14).text(ctx.shop.name);
  doc.font('Helvetica').fontSize(9).text(`TRN: ${ctx.shop.trn ?? '—'}`);
  doc.fontSize(11).text(`${ctx.title} · ${formatDate(ctx.period.from, ctx.shop.date_format)} – ${formatDate(ctx.period.to, ctx.shop.date_format)} · ${ctx.shop.currency}`);
  doc.moveDown(0.5);

  /** the chart's values summed per label (an expense category, a month over its VAT rates) */
  const chartValues = new Map<string, number>();
  const header = () => {
    doc.font('Helvetica-Bold').fontSize(7);
    const y = doc.y;
    for (const [i, c] of ctx.columns.entries()) doc.text(c.header, left + i * colW, y, { width: colW - 2, lineBreak: false, ellipsis: true });
    doc.moveDown(0.4);
    doc.font('Helvetica');
  };
  const line = (values: string[], bold = false) => {
    if (doc.y > doc.page.height - doc.page.margins.bottom - 20) {
      doc.addPage();
      header();
    }
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(7);
    const y = doc.y;
    for (const [i, v] of values.entries()) doc.text(v, left + i * colW, y, { width: colW - 2, lineBreak: false, ellipsis: true });
    doc.moveDown(0.2);
  };

  header();
  const totals: Record<string, number> = {};
  const tick = progress(ctx);
  let rows = 0;
  for await (const batch of batches) {
    for (const r of batch) {
      addTotals(totals, ctx, r);
      if (rows < MAX_PDF_ROWS) line(ctx.columns.map((c) => cell(c.kind, r[c.key])));
      if (ctx.chart) {
        const label = String(r[ctx.chart.label] ?? '');
        chartValues.set(label, (chartValues.get(label) ?? 0) + Number(r[ctx.chart.value] ?? 0));
      }
      rows++;
    }
    tick(rows);
  }
  if (rows > MAX_PDF_ROWS) line([`… ${rows - MAX_PDF_ROWS} more rows: use CSV or XLSX for every row`]);
  line(totalsRow(ctx, totals), true);

  if (ctx.chart && chartValues.size) {
    const top = [...chartValues].map(([label, value]) => ({ label, value })).sort((a, b) => b.value - a.value).slice(0, 10);
    const valueColumn = ctx.columns.find((c) => c.key === ctx.chart!.value);
    doc.addPage();
    doc.font('Helvetica-Bold').fontSize(12).text(`${ctx.title}: top ${top.length} by ${valueColumn?.header ?? ctx.chart.value}`, left);
    const max = Math.max(...top.map((x) => x.value), 1);
    const barArea = width - 160;
    let y = doc.y + 10;
    for (const x of top) {
      doc.font('Helvetica').fontSize(8).fillColor('#000').text(x.label, left, y, { width: 150, lineBreak: false, ellipsis: true });
      doc.rect(left + 155, y, Math.max(1, (x.value / max) * barArea), 10).fill('#2f6db5');
      doc.fillColor('#000').text(totalText(valueColumn?.kind ?? 'int', x.value), left + 160 + (x.value / max) * barArea, y, { lineBreak: false });
      y += 16;
    }
  }
  doc.end();
  await finished(out);
  return { rows, totals };
}
