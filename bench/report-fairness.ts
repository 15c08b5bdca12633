/**
 * A report backlog in one shop against another shop's report (issue 12, "Fair background work").
 *
 *   node --import=tsx bench/report-fairness.ts [--bills 50000] [--backlog 10] [--rounds 3]
 *
 * One process runs every role (as `npm start` does). A busy shop with `bills` bills requests
 * `backlog` invoice reports over all of them; right after, a quiet shop (a few bills) requests
 * one. Printed per round: the quiet shop's report time (request → done) and how many of the busy
 * shop's reports were done by then, beside the quiet report alone (no backlog).
 */
import { parseArgs } from 'node:util';
import { startNode } from '../src/node.ts';
import { benchEnv, run } from './support.ts';

const { values } = parseArgs({
  options: { bills: { type: 'string', default: '50000' }, backlog: { type: 'string', default: '10' }, rounds: { type: 'string', default: '3' } },
});
const report = { type: 'invoices', from: '2026-01-01', to: '2026-12-31', format: 'csv' };

async function main() {
  const env = await benchEnv('fairness', { SEED_DEMO: 'false', REPORTS_DIR: `var/bench-reports-${process.pid}`, MAIL_DIR: `var/bench-mail-${process.pid}` });
  const { deps } = env;
  const node = await startNode(deps, { roles: deps.config.roles, port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${node.port}`;
  const call = async (path: string, body?: unknown, token?: string) => {
    const r = await fetch(`${base}${path}`, {
      method: body ? 'POST' : 'GET',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: (await r.json()) as any };
  };
  const signup = async (name: string) => {
    const r = await call('/api/auth/signup', { shop_name: name, email: `${name}-${process.pid}@bench.tajir`, password: 'bench-pass-1' });
    return { token: r.body.token as string, shopId: r.body.shop.id as number };
  };
  const bulk = (shopId: number, n: number) => deps.sql`
    insert into bills (shop_id, bill_number, bill_date, vat_percent, prices_include_vat, subtotal_fils, vat_fils, total_fils, paid_fils, status, customer_name)
    select ${shopId}, 'BILL-20260101-' || g, '2026-01-01'::date + (g % 300), 5, true, 9524, 476, 10000, 0, 'Pending', 'Bulk ' || g
    from generate_series(1, ${n}) g`;
  const doneCount = async (shopId: number) =>
    (await deps.sql<{ n: number }[]>`select count(*)::int as n from report_jobs where shop_id = ${shopId} and status = 'done'`)[0]!.n;
  const timeReport = async (token: string) => {
    const t = performance.now();
    const r = await call('/api/reports', report, token);
    if (r.status !== 202) throw new Error(`quiet report refused: ${r.status}`);
    for (;;) {
      const s = await call(`/api/reports/${r.body.id}`, undefined, token);
      if (s.body.status === 'done' || s.body.status === 'failed') return performance.now() - t;
      await new Promise((res) => setTimeout(res, 20));
    }
  };
  try {
    const busy = await signup('busy');
    const quiet = await signup('quiet');
    await bulk(busy.shopId, Number(values.bills));
    await bulk(quiet.shopId, 20);
    await deps.sql`vacuum analyze bills`;
    console.log(`quiet report alone: ${(await timeReport(quiet.token)).toFixed(0)} ms`);
    for (let round = 1; round <= Number(values.rounds); round++) {
      const before = await doneCount(busy.shopId);
      let accepted = 0;
      for (let i = 0; i < Number(values.backlog); i++) if ((await call('/api/reports', report, busy.token)).status === 202) accepted++;
      const ms = await timeReport(quiet.token);
      const busyDone = (await doneCount(busy.shopId)) - before;
      console.log(`round ${round}: quiet report ${ms.toFixed(0)} ms with ${accepted} busy reports queued ahead; busy reports done meanwhile: ${busyDone}`);
      const t = performance.now();
      while ((await doneCount(busy.shopId)) - before < accepted) await new Promise((res) => setTimeout(res, 200));
      console.log(`  busy backlog finished ${((performance.now() - t) / 1000).toFixed(1)} s later`);
    }
  } finally {
    await node.stop(2000).catch(() => {});
    await env.cleanup();
  }
}

run(main);
