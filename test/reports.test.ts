import assert from 'node:assert/strict';
import ExcelJS from 'exceljs';
import PDFDocument from 'pdfkit';
import { existsSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { simpleParser } from 'mailparser';
import { safeText } from '../src/domain/reports/writers/format.ts';
import { runSchedules } from '../src/domain/reports/index.ts';
import { env, mail } from './support/env.ts';
import { addEmployee, addProduct, confirmedRecipient } from './support/fixtures.ts';
import { call, get, newShop, post, put, type ShopSession } from './support/http.ts';
import { closeAllSockets, connect, record, until } from './support/sockets.ts';

async function finished(id: string, token: string) {
  let r: any;
  await until(async () => {
    r = (await get(`/api/reports/${id}`, token)).body;
    return r.status === 'done' || r.status === 'failed';
  }, 30_000, `report ${id}`);
  return r;
}

/** The text a pdfkit PDF draws: its content streams inflated, each TJ's hex segments joined. */
function pdfText(pdf: Buffer): string {
  const raw = pdf.toString('latin1');
  const out: string[] = [];
  // Each stream is read by its /Length, not up to "endstream": compressed bytes may end in CR,
  // and a pattern that allowed "\r\nendstream" cut that byte off, so the page failed to inflate
  // and its text was missing (the flaky "header names the shop" failure, about 1 stream in 75).
  for (const m of raw.matchAll(/\/Length (\d+)[\s\S]*?>>\s*stream\r?\n/g)) {
    const start = m.index! + m[0].length;
    let content: string;
    try {
      content = inflateSync(Buffer.from(raw.slice(start, start + Number(m[1])), 'latin1')).toString('latin1');
    } catch {
      continue;
    }
    for (const tj of content.matchAll(/\[([^\]]*)\]\s*TJ/g)) {
      out.push([...tj[1]!.matchAll(/<([0-9a-fA-F]*)>/g)].map((h) => Buffer.from(h[1]!, 'hex').toString('latin1')).join(''));
    }
  }
  return out.join('\n');
}

function parseCsv(text: string): string[][] {
  // the writer quotes only when needed; no field here holds a newline
  return text
    .replace(/^\uFEFF/, '')
    .trim()
    .split('\n')
    .map((line) => {
      const out: string[] = [];
      let cur = '';
      let q = false;
      for (let i = 0; i < line.length; i++) {
        const ch = line[i]!;
        if (q) {
          if (ch === '"' && line[i + 1] === '"') {
            cur += '"';
            i++;
          } else if (ch === '"') q = false;
          else cur += ch;
        } else if (ch === '"') q = true;
        else if (ch === ',') {
          out.push(cur);
          cur = '';
        } else cur += ch;
      }
      out.push(cur);
      return out;
    });
}

describe('the PDF text reader of these tests', () => {
  it('reads a page whose compressed stream ends in a CR byte (once the cause of a flaky failure)', async () => {
    for (let i = 0; i < 2000; i++) {
      const doc = new PDFDocument({ size: 'A4', margin: 36 });
      const chunks: Buffer[] = [];
      doc.on('data', (c: Buffer) => chunks.push(c));
      const ended = new Promise((r) => doc.on('end', r));
      const name = `Shop ${(i * 7919).toString(36)}`;
      doc.font('Helvetica-Bold').fontSize(14).text(name);
      doc.end();
      await ended;
      const pdf = Buffer.concat(chunks);
      const stream = /stream\n([\s\S]*?)\nendstream/.exec(pdf.toString('latin1'))![1]!;
      if (!stream.endsWith('\r')) continue;
      assert.ok(pdfText(pdf).includes(name), `the page of ${name} is read`);
      return;
    }
    assert.fail('no stream ending in CR in 2,000 documents');
  });
});

describe('reports', function () {
  this.timeout(60_000);
  let s: ShopSession;
  let other: ShopSession;
  const from = '2024-01-01';
  const to = '2030-12-31';
  before(async () => {
    s = await newShop();
    other = await newShop();
    const p1 = await addProduct(s.shopId, 'Kandura', 150);
    const p2 = await addProduct(s.shopId, 'Hemming', 12.35);
    const e = await addEmployee(s.shopId, 'Rashid');
    for (let i = 0; i < 30; i++) {
      const r = await post(
        '/api/bills',
        {
          employee_id: e,
          customer: { phone: `05012300${String(i % 7).padStart(2, '0')}`, name: i % 7 === 3 ? '=HYPERLINK("http://x")' : `Customer ${i % 7}`, area: 'Deira', city: 'Dubai' },
          items: [{ product_id: i % 2 ? p1 : p2, quantity: 1 + (i % 3), discount_percent: i % 5 ? 0 : 10 }],
          payments: i % 3 ? [{ amount: 5, method: 'Cash' }] : [],
        },
        s.token,
      );
      assert.equal(r.status, 201);
      if (i % 10 === 9) await post(`/api/bills/${r.body.id}/cancel`, { reason: 'test' }, s.token);
    }
  });

  it('answers 202 at once, builds the CSV, emails it, and the totals equal SQL', async () => {
    await confirmedRecipient(s.shopId, 'boss@shop.test');
    const started = Date.now();
    const r = await post('/api/reports', { type: 'invoices', from, to, format: 'csv', email_to: 'boss@shop.test' }, s.token);
    assert.equal(r.status, 202, JSON.stringify(r.body));
    assert.ok(Date.now() - started < 1000, "Date.now() - started < 1000");
    const done = await finished(r.body.id, s.token);
    assert.equal(done.status, 'done', JSON.stringify(done));
    assert.equal(done.rows, 30);
    const file = await call('GET', done.download_url, { token: s.token });
    assert.equal(file.status, 200);
    const rows = parseCsv(file.body);
    const header = rows[0]!;
    const total = rows.at(-1)!;
    // cancelled bills are listed (3 of the 30) but not summed: the totals are what was sold
    const [sums] = await env().sql<{ total: number; vat: number }[]>`
      select sum(total_fils)::bigint as total, sum(vat_fils)::bigint as vat from bills where shop_id = ${s.shopId} and status <> 'Cancelled'`;
    assert.equal(rows.filter((row) => row[header.indexOf('Status')] === 'Cancelled').length, 3);
    assert.equal(total[0], 'Total (cancelled bills excluded)');
    assert.equal(total[header.indexOf('Total (AED)')], (sums!.total / 100).toFixed(2));
    assert.equal(total[header.indexOf('VAT (AED)')], (sums!.vat / 100).toFixed(2));
    const cents = (col: string) => Math.round(Number(total[header.indexOf(col)]) * 100);
    assert.equal(cents('Total (AED)'), cents('Paid (AED)') + cents('Balance (AED)'));
    assert.ok(rows.some((row) => row[header.indexOf('Customer')] === `'=HYPERLINK("http://x")`), 'formula escaped');

    // the mailbox is the run's: other suites' mail may arrive in between, so look for this one
    const toBoss = (raw: Buffer) => /^To: boss@shop\.test\r?$/m.test(raw.subarray(0, 4096).toString('utf8'));
    await until(() => mail().messages.some(toBoss), 15_000, 'mail');
    const parsed = await simpleParser(mail().messages.find(toBoss)!);
    assert.equal(parsed.to && !Array.isArray(parsed.to) ? parsed.to.text : '', 'boss@shop.test');
    const attachment = parsed.attachments[0]!;
    // streamed from disk by the mail job: the attachment is the whole file, byte for byte
    const [built] = await env().sql<{ file_path: string }[]>`select file_path from report_jobs where id = ${r.body.id}`;
    assert.ok(attachment.content.equals(readFileSync(built!.file_path)), 'the attachment is the complete file');
    const mailed = parseCsv(attachment.content.toString('utf8'));
    assert.deepEqual(mailed.at(-1), total);
    assert.match(parsed.text ?? '', /30 rows/);
    await until(async () => (await get(`/api/reports/${r.body.id}`, s.token)).body.emailed === true, 5000, 'emailed flag');
    // the mail job run again (a retry after a lost acknowledgement) sends nothing more
    const count = mail().messages.length;
    const { handler } = await import('../src/workers/jobs/send-report-mail.ts');
    const { createMailer } = await import('../src/workers/mail/transport.ts');
    const again = handler({ sql: env().sql, mailer: createMailer(env().config.smtpUrl, env().config.mailDir, env().deps.log), from: 'reports@shop.test' });
    // the handler answers after deciding: a skipped run has no send in flight
    assert.deepEqual(await again({ data: { reportId: r.body.id } } as never), { skipped: 'already sent' });
    assert.equal(mail().messages.length, count);
  });

  it('invoice filters (products, masters, city, area, status) and the VAT summary agree with SQL', async () => {
    const shop = await newShop();
    const [pa, pb] = [await addProduct(shop.shopId, 'Wash', 15), await addProduct(shop.shopId, 'Press', 7.5)];
    const [ea, eb] = [await addEmployee(shop.shopId, 'Amal'), await addEmployee(shop.shopId, 'Bilal')];
    for (let i = 0; i < 24; i++) {
      const b = await post(
        '/api/bills',
        {
          employee_id: i % 3 === 0 ? undefined : i % 2 ? ea : eb,
          customer: { phone: `05566600${String(i % 5).padStart(2, '0')}`, name: `C${i % 5}`, city: i % 2 ? 'Dubai' : 'Sharjah', area: i % 4 < 2 ? 'Deira' : 'Al Nahda' },
          items: [{ product_id: i % 4 === 0 ? pb : pa, quantity: 1 + (i % 3) }],
          bill_date: `2026-0${1 + (i % 3)}-15`,
          payments: i % 2 ? [{ amount: 5, method: 'Cash' }] : [],
        },
        shop.token,
      );
      assert.equal(b.status, 201, JSON.stringify(b.body));
      if (i === 5) assert.equal((await post(`/api/bills/${b.body.id}/cancel`, { reason: 'test' }, shop.token)).status, 200);
    }
    const csv = async (body: object) => {
      const r = await post('/api/reports', { from, to, format: 'csv', ...body }, shop.token);
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const done = await finished(r.body.id, shop.token);
      return parseCsv((await call('GET', done.download_url, { token: shop.token })).body);
    };
    const filters: [object, (sql: any) => any][] = [
      [{ product_ids: [pb] }, (sql: any) => sql`exists (select 1 from bill_lines l where l.bill_id = b.id and l.product_id = ${pb})`],
      [{ employee_ids: [ea, eb] }, (sql: any) => sql`b.employee_id in (${ea}, ${eb})`],
      [{ city: 'Sharjah' }, (sql: any) => sql`b.customer_city = 'Sharjah'`],
      [{ area: 'Deira', status: 'Partial' }, (sql: any) => sql`b.customer_area = 'Deira' and b.status = 'Partial'`],
    ];
    for (const [f, cond] of filters) {
      const rows = await csv({ type: 'invoices', filters: f });
      const [want] = await env().sql<{ n: number; total: number }[]>`
        select count(*)::int as n, coalesce(sum(total_fils) filter (where status <> 'Cancelled'), 0)::bigint as total
        from bills b where b.shop_id = ${shop.shopId} and ${cond(env().sql)}`;
      const header = rows[0]!;
      assert.equal(rows.length - 2, want!.n, JSON.stringify(f));
      assert.ok(want!.n > 0 && want!.n < 24, `the filter ${JSON.stringify(f)} selects some bills`);
      assert.equal(Math.round(Number(rows.at(-1)![header.indexOf('Total (AED)')]) * 100), want!.total, JSON.stringify(f));
    }
    const vat = await csv({ type: 'vat' });
    const want = await env().sql<{ month: string; rate: number; bills: number; taxable: number; vat: number }[]>`
      select to_char(bill_date, 'YYYY-MM') as month, vat_percent as rate, count(*)::int as bills,
             sum(subtotal_fils)::bigint as taxable, sum(vat_fils)::bigint as vat
      from bills where shop_id = ${shop.shopId} and status <> 'Cancelled' group by 1, 2 order by 1, 2`;
    assert.deepEqual(
      vat.slice(1, -1).map((r) => [r[0], Number(r[1]), Number(r[2]), Math.round(Number(r[3]) * 100), Math.round(Number(r[4]) * 100)]),
      want.map((w) => [w.month, w.rate, w.bills, w.taxable, w.vat]),
    );
    // dates in the shop's date format, money headers in its currency
    assert.equal((await put('/api/shop-settings/locale', { currency: 'SAR', timezone: 'Asia/Riyadh', date_format: 'MM/DD/YYYY', language: 'en' }, shop.token)).status, 200);
    const us = await csv({ type: 'invoices', filters: { status: 'Pending' } });
    const header = us[0]!;
    assert.ok(header.includes('Total (SAR)'), header.join());
    const dates = new Set(us.slice(1, -1).map((r) => r[header.indexOf('Date')]));
    assert.deepEqual([...dates].sort(), ['01/15/2026', '02/15/2026', '03/15/2026'].filter((d) => dates.has(d)));
    assert.ok(dates.size > 0, "dates.size > 0");
  });

  it('writes XLSX that re-opens with the same numbers, and a PDF with pages', async () => {
    const x = await post('/api/reports', { type: 'invoices', from, to, format: 'xlsx', filters: { status: 'Partial' } }, s.token);
    const done = await finished(x.body.id, s.token);
    assert.equal(done.status, 'done');
    const res = await fetch(`${env().baseUrl}${done.download_url}`, { headers: { authorization: `Bearer ${s.token}` } });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await res.arrayBuffer()) as any);
    const sheet = wb.worksheets[0]!;
    const headerRow = sheet.getRow(1).values as unknown[];
    const totalCol = headerRow.indexOf('Total (AED)');
    const last = sheet.getRow(sheet.rowCount);
    const [sums] = await env().sql<{ total: number; n: number }[]>`
      select sum(total_fils)::bigint as total, count(*)::int as n from bills where shop_id = ${s.shopId} and status = 'Partial'`;
    assert.equal(last.getCell(1).value, 'Total (cancelled bills excluded)');
    assert.equal(Math.round(Number(last.getCell(totalCol).value) * 100), sums!.total);
    assert.equal(sheet.rowCount, sums!.n + 2);

    const categories = (await get('/api/expense-categories', s.token)).body.items as { id: number }[];
    for (const [i, c] of categories.slice(0, 2).entries()) {
      const e = await post('/api/expenses', { category_id: c.id, expense_date: '2026-01-0' + (i + 1), amount: 50 + i }, s.token);
      assert.equal(e.status, 201, JSON.stringify(e.body));
    }
    const info = (await get('/api/shop-settings', s.token)).body.shop_info;
    assert.equal((await put('/api/shop-settings/shop-info', { ...info, trn: '100123456700003' }, s.token)).status, 200);
    for (const type of ['vat', 'employees', 'products', 'customers', 'expenses', 'invoices'] as const) {
      const p = await post('/api/reports', { type, from, to, format: 'pdf' }, s.token);
      const d = await finished(p.body.id, s.token);
      assert.equal(d.status, 'done', `${type}: ${JSON.stringify(d)}`);
      const pdf = await fetch(`${env().baseUrl}${d.download_url}`, { headers: { authorization: `Bearer ${s.token}` } });
      const buf = Buffer.from(await pdf.arrayBuffer());
      assert.equal(buf.subarray(0, 5).toString(), '%PDF-');
      // these few rows fit one page; each summary type adds a page with its chart
      const pages = (buf.toString('latin1').match(/\/Type \/Page\b/g) ?? []).length;
      assert.equal(pages, type === 'invoices' ? 1 : 2, `${type}: ${pages} pages`);
      // the header names the shop and its TRN; a summary's chart page says what it ranks
      const text = pdfText(buf);
      assert.ok(text.includes(info.name) && text.includes('TRN: 100123456700003'), `${type}: ${text.slice(0, 200)}`);
      if (type !== 'invoices') assert.match(text, /: top \d+ by /);
    }
  });

  it('pushes report:progress as rows are written and report:ready to the requester only', async () => {
    const shop = await newShop();
    // 40,000 expenses (written with SQL: the report reads the table), 20 cursor batches → a push about every 5%
    await env().sql`
      insert into expenses (shop_id, category_id, expense_date, amount_fils, description)
      select ${shop.shopId}, (select min(id) from expense_categories where shop_id = ${shop.shopId}),
        date '2026-01-01' + (g % 300), 100 + g, 'Expense ' || g
      from generate_series(1, 40000) g`;
    const requester = await connect(shop.token);
    const colleague = await connect(shop.manager);
    const seen = record(requester);
    const seenByColleague = record(colleague);
    const r = await post('/api/reports', { type: 'expenses', from, to, format: 'csv' }, shop.token);
    assert.equal(r.status, 202);
    const done = await finished(r.body.id, shop.token);
    await until(() => seen.some((e) => e.name === 'report:ready'), 5000, 'report:ready');
    const progress = seen.filter((e) => e.name === 'report:progress').map((e) => e.args[0]);
    assert.ok(progress.every((p) => p.id === r.body.id), "progress.every((p) => p.id === r.body.id)");
    const values = progress.map((p) => p.progress);
    assert.equal(values[0], 0, 'at the start');
    assert.ok(values.length >= 10 && values.length <= 25, `${values.length} progress pushes: ${values}`);
    for (let i = 1; i < values.length; i++) assert.ok(values[i] > values[i - 1] && values[i] < 100, 'rising, below 100 until ready');
    assert.deepEqual(seen.find((e) => e.name === 'report:ready')!.args[0], { id: r.body.id, download_url: done.download_url });
    assert.equal(seen.findIndex((e) => e.name === 'report:ready'), seen.length - 1, 'ready comes last');
    assert.deepEqual(seenByColleague.filter((e) => e.name.startsWith('report:')), []);
    closeAllSockets();

    // the file (about 2 MB) is streamed from disk: the bytes arrive whole, a client that leaves
    // half-way costs nothing, and the server goes on serving
    const [job] = await env().sql<{ file_path: string }[]>`select file_path from report_jobs where id = ${r.body.id}`;
    const onDisk = readFileSync(job!.file_path);
    assert.ok(onDisk.length > 1_000_000, "onDisk.length > 1_000_000");
    const url = `${env().baseUrl}${done.download_url}`;
    const headers = { authorization: `Bearer ${shop.token}` };
    const whole = await fetch(url, { headers });
    assert.equal(whole.status, 200);
    assert.equal(whole.headers.get('content-length'), String(onDisk.length));
    assert.ok(Buffer.from(await whole.arrayBuffer()).equals(onDisk), "Buffer.from(await whole.arrayBuffer()).equals(onDisk)");
    const leaving = new AbortController();
    const partial = await fetch(url, { headers, signal: leaving.signal });
    const reader = partial.body!.getReader();
    await reader.read();
    leaving.abort();
    await reader.read().catch(() => {});
    // a slow reader: the server's socket buffer fills and the rest goes out as it drains
    const slow = (await fetch(url, { headers })).body!.getReader();
    const parts: Buffer[] = [];
    for (;;) {
      const { done: over, value } = await slow.read();
      if (over) break;
      parts.push(Buffer.from(value));
      if (parts.length % 4 === 0) await new Promise((res) => setTimeout(res, 20));
    }
    assert.ok(Buffer.concat(parts).equals(onDisk), "Buffer.concat(parts).equals(onDisk)");
  });

  it('a report Postgres refuses fails at once with its reason, not after five retries', async () => {
    // params the API would refuse, as a row written by an older version or by hand could hold
    const [row] = await env().sql<{ id: string }[]>`
      insert into report_jobs (shop_id, type, format, params) values (${s.shopId}, 'invoices', 'csv', ${env().sql.json({ from: '2026-02-30', to: '2026-03-01' })})
      returning id`;
    const started = Date.now();
    await env().deps.jobs.enqueueReport(row!.id);
    const r = await finished(row!.id, s.token);
    assert.equal(r.status, 'failed');
    assert.match(r.error ?? '', /date/i);
    assert.ok(Date.now() - started < 5000, `failed after ${Date.now() - started} ms`);
  });

  it('keeps reports to their shop and checks the request', async () => {
    const r = await post('/api/reports', { type: 'vat', from, to, format: 'csv' }, s.token);
    await finished(r.body.id, s.token);
    assert.equal((await get(`/api/reports/${r.body.id}`, other.token)).status, 404);
    assert.equal((await get(`/api/reports/${r.body.id}/download`, other.token)).status, 404);
    assert.equal((await get(`/api/reports/${r.body.id}`, s.cashier)).status, 403);
    assert.equal((await get('/api/reports/not-a-uuid', s.token)).status, 404);
    assert.equal((await post('/api/reports', { type: 'vat', from: to, to: from, format: 'csv' }, s.token)).status, 400);
    assert.equal((await post('/api/reports', { type: 'nope', from, to, format: 'csv' }, s.token)).status, 400);
  });

  it('sends a scheduled daily summary once, however often the tick runs', async () => {
    await confirmedRecipient(s.shopId, 'owner@shop.test');
    const put1 = await put('/api/report-schedules', { schedules: [{ kind: 'daily_summary', enabled: true, hour: 0, recipients: ['owner@shop.test'], format: 'csv' }] }, s.token);
    assert.equal(put1.status, 200, JSON.stringify(put1.body));
    const now = env().clock.now();
    const [a, b] = await Promise.all([runSchedules(env().sql, now), runSchedules(env().sql, now)]);
    const again = await runSchedules(env().sql, now);
    const mine = await env().sql`select * from report_schedule_runs where shop_id = ${s.shopId} and kind = 'daily_summary'`;
    assert.equal(mine.length, 1);
    assert.equal([...a, ...b, ...again].filter((id) => id === mine[0]!.report_id).length, 1);
    await env().deps.jobs.enqueueReport(mine[0]!.report_id);
    const before = mail().messages.length;
    await until(async () => (await get(`/api/reports/${mine[0]!.report_id}`, s.token)).body.emailed === true, 20_000, 'summary mailed');
    const parsed = await simpleParser(mail().messages.slice(before).at(-1)!);
    assert.match(parsed.subject ?? '', /daily_summary/);
    assert.equal((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.text, 'owner@shop.test', 'the recipients set, not the managers');
  });

  it('the daily summary holds the day\'s figures: revenue, bills, VAT, expenses, top products and masters', async () => {
    const shop = await newShop();
    const dishdasha = await addProduct(shop.shopId, 'Dishdasha', 50);
    const cap = await addProduct(shop.shopId, 'Cap', 30);
    const hamid = await addEmployee(shop.shopId, 'Hamid');
    const bill = (body: object) => post('/api/bills', body, shop.token);
    await bill({ employee_id: hamid, bill_date: '2026-06-15', items: [{ product_id: dishdasha, quantity: 2 }] });
    await bill({ bill_date: '2026-06-15', items: [{ product_id: cap, quantity: 1 }] });
    const voided = await bill({ employee_id: hamid, bill_date: '2026-06-15', items: [{ product_id: dishdasha, quantity: 1 }] });
    assert.equal((await post(`/api/bills/${voided.body.id}/cancel`, { reason: 'test' }, shop.token)).status, 200);
    await bill({ employee_id: hamid, bill_date: '2026-06-14', items: [{ product_id: cap, quantity: 3 }] }); // the day before
    const cat = (await get('/api/expense-categories', shop.token)).body.items[0].id;
    await post('/api/expenses', { category_id: cat, expense_date: '2026-06-15', amount: 12.5 }, shop.token);
    await confirmedRecipient(shop.shopId, 'owner@shop.test');
    await put('/api/report-schedules', { schedules: [{ kind: 'daily_summary', enabled: true, hour: 6, recipients: ['owner@shop.test'], format: 'csv' }] }, shop.token);
    await runSchedules(env().sql, new Date('2026-06-16T04:00:00Z')); // 08:00 in Dubai: the summary of the 15th
    const [run] = await env().sql<{ report_id: string; period: string }[]>`select report_id, period::text from report_schedule_runs where shop_id = ${shop.shopId}`;
    assert.equal(run!.period, '2026-06-15');
    await env().deps.jobs.enqueueReport(run!.report_id);
    const done = await finished(run!.report_id, shop.token);
    const rows = parseCsv((await call('GET', done.download_url, { token: shop.token })).body);
    const figure = new Map(rows.slice(1).map((r) => [r[0], r]));
    const [vat] = await env().sql<{ vat: number; open: number }[]>`
      select sum(vat_fils) filter (where bill_date = '2026-06-15' and status <> 'Cancelled')::bigint as vat,
             sum(total_fils - paid_fils) filter (where status in ('Pending', 'Partial'))::bigint as open
      from bills where shop_id = ${shop.shopId}`;
    assert.equal(figure.get('Revenue')?.[2], '130.00');
    assert.equal(figure.get('Bills')?.[1], '2');
    assert.equal(figure.get('VAT')?.[2], (vat!.vat / 100).toFixed(2));
    assert.equal(figure.get('Expenses')?.[2], '12.50');
    assert.equal(figure.get('Outstanding (all open bills)')?.[2], (vat!.open / 100).toFixed(2));
    assert.equal(figure.get('Top product: Dishdasha')?.[2], '100.00');
    assert.equal(figure.get('Top product: Cap')?.[2], '30.00');
    assert.equal(figure.get('Top employee: Hamid')?.[2], '100.00');
  });

  it("reads and writes schedules; with no recipients the summary goes to the shop's owners and managers", async () => {
    const shop = await newShop();
    const defaults = (await get('/api/report-schedules', shop.manager)).body.items;
    assert.deepEqual(
      defaults.map((x: any) => [x.kind, x.enabled, x.hour, x.recipients, x.format]),
      [
        ['daily_summary', false, 8, [], 'pdf'],
        ['monthly_vat', false, 8, [], 'pdf'],
      ],
    );
    const body = { schedules: [{ kind: 'daily_summary', enabled: true, hour: 0, recipients: [], format: 'csv' }] };
    assert.equal((await put('/api/report-schedules', body, shop.cashier)).status, 403);
    assert.equal((await put('/api/report-schedules', { schedules: [body.schedules[0], body.schedules[0]] }, shop.token)).status, 400);
    assert.equal((await put('/api/report-schedules', { schedules: [{ ...body.schedules[0], recipients: ['not-an-email'] }] }, shop.token)).status, 400);
    const r = await put('/api/report-schedules', body, shop.manager);
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const read = (await get('/api/report-schedules', shop.token)).body.items;
    assert.deepEqual(
      read.map((x: any) => [x.kind, x.enabled, x.hour, x.recipients, x.format]),
      [
        ['daily_summary', true, 0, [], 'csv'],
        ['monthly_vat', false, 8, [], 'pdf'],
      ],
    );
    const managers = await env().sql<{ email: string }[]>`
      select email from users where shop_id = ${shop.shopId} and role in ('owner', 'manager') order by id`;
    assert.equal(managers.length, 2, 'the owner and the manager newShop adds');
    await runSchedules(env().sql, env().clock.now());
    const [run] = await env().sql<{ report_id: string }[]>`select report_id from report_schedule_runs where shop_id = ${shop.shopId}`;
    const before = mail().messages.length;
    await env().deps.jobs.enqueueReport(run!.report_id);
    await until(async () => (await get(`/api/reports/${run!.report_id}`, shop.token)).body.emailed === true, 20_000, 'summary mailed');
    const parsed = await simpleParser(mail().messages.slice(before).at(-1)!);
    const to = (Array.isArray(parsed.to) ? parsed.to : [parsed.to]).flatMap((a) => a?.value.map((v) => v.address) ?? []);
    assert.deepEqual(to.sort(), managers.map((m) => m.email).sort());
  });

  it('sends the monthly VAT summary on the 1st only, and deletes expired files', async () => {
    const shop = await newShop();
    await confirmedRecipient(shop.shopId, 'vat@shop.test');
    await put('/api/report-schedules', { schedules: [{ kind: 'monthly_vat', enabled: true, hour: 6, recipients: ['vat@shop.test'], format: 'xlsx' }] }, shop.token);
    const notFirst = await runSchedules(env().sql, new Date('2026-11-15T10:00:00Z'));
    const beforeHour = await runSchedules(env().sql, new Date('2026-12-01T01:00:00Z')); // 05:00 in Dubai
    const first = await runSchedules(env().sql, new Date('2026-12-01T03:00:00Z')); // 07:00 in Dubai
    const runs = await env().sql<{ period: string; report_id: string }[]>`
      select period, report_id from report_schedule_runs where shop_id = ${shop.shopId} and kind = 'monthly_vat'`;
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.period, '2026-11-01');
    assert.ok(first.includes(runs[0]!.report_id), "first.includes(runs[0]!.report_id)");
    assert.ok(!notFirst.includes(runs[0]!.report_id) && !beforeHour.includes(runs[0]!.report_id), "!notFirst.includes(runs[0]!.report_id) && !beforeHour.includes(runs[0]!.report_id)");
    const [job] = await env().sql<{ type: string; params: { from: string; to: string } }[]>`select type, params from report_jobs where id = ${runs[0]!.report_id}`;
    assert.deepEqual([job!.type, job!.params.from, job!.params.to], ['vat', '2026-11-01', '2026-11-30']);

    const r = await post('/api/reports', { type: 'expenses', from, to, format: 'csv' }, shop.token);
    const done = await finished(r.body.id, shop.token);
    assert.ok(done.download_url, "done.download_url");
    const [built] = await env().sql<{ file_path: string }[]>`select file_path from report_jobs where id = ${r.body.id}`;
    assert.ok(existsSync(built!.file_path), "existsSync(built!.file_path)");
    await env().sql`update report_jobs set expires_at = now() - interval '1 minute' where id = ${r.body.id}`;
    assert.equal((await get(`/api/reports/${r.body.id}/download`, shop.token)).status, 404);
    const { handler } = await import('../src/workers/jobs/schedule-tick.ts');
    await handler({ sql: env().sql, jobs: { enqueueReport: async () => {} }, log: env().deps.log, clock: env().clock })({ data: {} } as any);
    const [row] = await env().sql<{ file_path: string | null }[]>`select file_path from report_jobs where id = ${r.body.id}`;
    assert.equal(row!.file_path, null);
    assert.equal(existsSync(built!.file_path), false, 'the file is gone from disk');
  });

  it('escapes every text a spreadsheet would run as a formula, and nothing else', () => {
    for (const lead of ['=', '+', '-', '@', '\t', '\r']) assert.equal(safeText(`${lead}1+1`), `'${lead}1+1`);
    for (const plain of ['Ahmed', '050 123', '1-800', '', ' =x']) assert.equal(safeText(plain), plain);
    assert.equal(safeText(null), '');
  });

  it('writes mail to .eml files when no SMTP relay is configured', async () => {
    const { createMailer } = await import('../src/workers/mail/transport.ts');
    const { mkdtemp, readFile } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const dir = await mkdtemp(`${tmpdir()}/tajir-mail-`);
    const { writeFile } = await import('node:fs/promises');
    const onDisk = Buffer.from(Array.from({ length: 200_000 }, (_, i) => `${i},row ${i}\n`).join(''));
    await writeFile(`${dir}/big.csv`, onDisk);
    const mailer = createMailer(undefined, dir, env().deps.log);
    const sent = await mailer.send({
      id: 'report-x',
      from: 'a@shop.test',
      to: 'b@shop.test',
      subject: 'Test',
      text: 'Body',
      attachments: [{ filename: 'r.csv', content: 'a,b' }, { filename: 'big.csv', path: `${dir}/big.csv` }],
    });
    const parsed = await simpleParser(await readFile(sent.file!));
    assert.equal(parsed.subject, 'Test');
    assert.equal(parsed.attachments[0]!.filename, 'r.csv');
    assert.ok(parsed.attachments[1]!.content.equals(onDisk), 'a file attached by path is streamed whole into the .eml');
    mailer.close();
  });
});
