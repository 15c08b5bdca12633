/**
 * Builds one report file: claims the job row (queued/failed → running), streams the rows from
 * a cursor into the writer, records progress, and marks it done with the row count. Running a
 * job twice (a retry after a crash) rewrites the same file name, so there is one file per report.
 */
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from '../../db/client.ts';
import type { ReadTarget } from '../../db/replica.ts';
import type { ReportRow } from './service.ts';
import { SOURCES } from './sources/index.ts';
import type { Row } from './sources/types.ts';
import type { ShopMeta, WriteContext, WriteResult } from './writers/format.ts';
import { dailySummary } from './daily-summary.ts';

type Writer = (path: string, ctx: WriteContext, batches: AsyncIterable<Row[]>) => Promise<WriteResult>;

/**
 * The writers, loaded on a worker's first report of each format: ExcelJS and PDFKit take about
 * 0.65 s to load, which every process paid at start (an API node, a CLI's --help, a restart
 * after a crash) although only report workers ever use them.
 */
const WRITERS: Record<ReportRow['format'], () => Promise<Writer>> = {
  csv: () => import('./writers/csv.ts').then((m) => m.writeCsv),
  xlsx: () => import('./writers/xlsx.ts').then((m) => m.writeXlsx),
  pdf: () => import('./writers/pdf.ts').then((m) => m.writePdf),
};

export interface BuildOptions {
  /**
   * Where the rows are read (a replica that replayed past the report's request, see
   * db/replica.ts) and which server that is; default `sql`, the primary. The job row is written on `sql`.
   */
  read?: ReadTarget;
  dir: string;
  ttlHours: number;
  onProgress(report: ReportRow, progress: number): void;
}

export async function shopMeta(sql: Sql, shopId: number): Promise<ShopMeta> {
  const [m] = await sql<ShopMeta[]>`
    select s.name, nullif(st.shop_info->>'trn', '') as trn, st.currency, st.timezone, st.date_format
    from shops s join shop_settings st on st.shop_id = s.id where s.id = ${shopId}`;
  return m!;
}

export async function buildReport(sql: Sql, report: ReportRow, opts: BuildOptions): Promise<WriteResult & { path: string }> {
  await mkdir(opts.dir, { recursive: true });
  const read = opts.read ?? { sql, from: 'primary' };
  const shop = await shopMeta(read.sql, report.shop_id);
  const source = report.type === 'daily_summary' ? dailySummary : SOURCES[report.type];
  const expected = await source.count(read.sql, report.shop_id, report.params);
  let last = -1;
  const ctx: WriteContext = {
    title: source.title,
    shop,
    period: { from: report.params.from, to: report.params.to },
    columns: source.columns,
    expected,
    chart: source.chart,
    totals: source.totals,
    onProgress: (n) => {
      const pct = expected ? Math.min(99, Math.floor((n / expected) * 100)) : 99;
      if (pct !== last) {
        last = pct;
        opts.onProgress(report, pct);
      }
    },
  };
  ctx.onProgress(0); // the requester hears at once that the work started
  const final = join(opts.dir, `${report.id}.${report.format}`);
  // written under a temporary name and renamed: a download never sees half a file
  const tmp = `${final}.part`;
  const rows = source.rows(read.sql, report.shop_id, report.params);
  const writer = await WRITERS[report.format]();
  const result = await writer(tmp, ctx, rows);
  await rename(tmp, final);
  await sql`
    update report_jobs set status = 'done', progress = 100, rows = ${result.rows}, file_path = ${final}, error = null, read_from = ${read.from},
      finished_at = now(), expires_at = now() + make_interval(hours => ${opts.ttlHours})
    where id = ${report.id}`;
  return { ...result, path: final };
}
