/**
 * A worker killed in the middle of a report: the job is taken over by another worker once the
 * lock lapses, and the shop ends with one file and one email.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { simpleParser } from 'mailparser';
import { env, mail, runId } from './support/env.ts';
import { confirmedRecipient } from './support/fixtures.ts';
import { newShop } from './support/http.ts';
import { freePort } from './support/redis-server.ts';
import { spawnService } from './support/service.ts';
import { until } from './support/sockets.ts';

function start(roles: string, port: number, prefix: string, reportsDir: string) {
  return spawnService({
    REDIS_PREFIX: prefix,
    PORT: String(port),
    ROLES: roles,
    LOG_LEVEL: 'error',
    WORKER_LOCK_MS: '2000',
    REPORTS_DIR: reportsDir,
    SMTP_URL: `smtp://127.0.0.1:${mail().port}`,
  });
}

describe('a worker killed mid-report', function () {
  this.timeout(120_000);
  const procs: ChildProcess[] = [];
  after(() => {
    for (const p of procs) p.kill('SIGKILL');
  });

  it('is retried by another worker: one file, one email', async () => {
    const shop = await newShop();
    await confirmedRecipient(shop.shopId, 'crash@shop.test');
    const sql = env().sql;
    await sql`
      insert into bills (shop_id, bill_number, bill_date, vat_percent, prices_include_vat, subtotal_fils, vat_fils, total_fils, paid_fils, status, customer_name)
      select ${shop.shopId}, 'BILL-20260101-' || g, '2026-01-01'::date + (g % 300), 5, true, 9524, 476, 10000, 0, 'Pending', 'Bulk ' || g
      from generate_series(1, 60000) g`;
    const prefix = `${env().config.redisPrefix}crash:`;
    const reportsDir = `var/test-reports/${runId()}-crash`;
    const apiPort = await freePort();
    const api = start('api', apiPort, prefix, reportsDir);
    procs.push(api.child);
    await api.ready();
    const w1 = start('worker', 0, prefix, reportsDir);
    procs.push(w1.child);
    await w1.ready();

    const mailsBefore = mail().messages.length;
    const res = await fetch(`http://127.0.0.1:${apiPort}/api/reports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${shop.token}` },
      body: JSON.stringify({ type: 'invoices', from: '2026-01-01', to: '2026-12-31', format: 'xlsx', email_to: 'crash@shop.test' }),
    });
    assert.equal(res.status, 202);
    const { id } = (await res.json()) as { id: string };
    await until(async () => (await sql`select status from report_jobs where id = ${id}`)[0]!.status === 'running', 20_000, 'running');
    w1.child.kill('SIGKILL');
    const [mid] = await sql`select status, progress from report_jobs where id = ${id}`;
    assert.equal(mid!.status, 'running');

    const w2 = start('worker', 0, prefix, reportsDir);
    procs.push(w2.child);
    await until(async () => (await sql`select status from report_jobs where id = ${id}`)[0]!.status === 'done', 60_000, 'done by worker 2');
    await until(async () => (await sql`select emailed_at from report_jobs where id = ${id}`)[0]!.emailed_at !== null, 20_000, 'emailed');
    // worker 1's half-written file is replaced, never left beside the finished one
    let files: string[] = [];
    await until(async () => {
      files = (await readdir(reportsDir)).filter((f) => f.startsWith(id));
      return files.length === 1;
    }, 10_000, `one file for the report (have ${files.join(', ')})`);
    assert.deepEqual(files, [`${id}.xlsx`]);
    const mine = [];
    for (const m of mail().messages.slice(mailsBefore)) {
      const p = await simpleParser(m);
      if ((p.to && !Array.isArray(p.to) ? p.to.text : '') === 'crash@shop.test') mine.push(p);
    }
    assert.equal(mine.length, 1);
    const [row] = await sql`select rows from report_jobs where id = ${id}`;
    assert.equal(Number(row!.rows), 60000);
  });
});
