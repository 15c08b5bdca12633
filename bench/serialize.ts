/**
 * Writing answers through their schema (fast-json-stringify, src/rest/http/serialize.ts) against
 * JSON.stringify, on the documents the service really answers (issue 15).
 *
 *   node --import=tsx bench/serialize.ts [--products 5000] [--bills 20000] [--rounds 7] [--ms 400]
 *
 * Seeds one shop in a fresh database, reads a products page of 50 and one of 200 (the terminal's
 * page size) and the dashboard document with the service's own domain functions, then writes each
 * with both writers in alternating rounds of `ms` milliseconds of CPU time, in this one process. This
 * isolates the writer: the HTTP figures (catalogue.ts, dashboard.ts under before-after.sh) carry
 * Postgres, Redis and the machine's other load, which on a shared machine swamp a difference of
 * microseconds. It also checks that both writers give the same JSON once parsed.
 */
import assert from 'node:assert/strict';
import { parseArgs } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import type { Principal } from '../src/domain/auth/index.ts';
import { listProducts, ProductOut } from '../src/domain/catalogue/index.ts';
import { PageOf } from '../src/domain/common/index.ts';
import { DashboardSchema, getDashboard } from '../src/domain/dashboard/index.ts';
import { seed } from '../src/domain/seed/seed.ts';
import { compileSerializer } from '../src/rest/http/serialize.ts';
import { benchEnv, run } from './support.ts';

const { values } = parseArgs({
  options: {
    products: { type: 'string', default: '5000' },
    bills: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '7' },
    ms: { type: 'string', default: '400' },
  },
});

const cpuNow = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * Calls `write(doc)` until it has used about `ms` milliseconds of this process's CPU; returns CPU
 * microseconds per call. CPU time, not wall time: on a shared machine this process may get a
 * tenth of a core, which would inflate wall times tenfold and unevenly.
 */
function timed(write: (doc: unknown) => string, doc: unknown, ms: number): number {
  let n = 0;
  let sink = 0;
  const start = cpuNow();
  let used = 0;
  while (used < ms * 1000) {
    for (let i = 0; i < 20; i++) sink += write(doc).length;
    n += 20;
    used = cpuNow() - start;
  }
  if (sink < 0) console.log(sink); // keeps the result alive
  return used / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const env = await benchEnv('serialize');
  const { deps } = env;
  try {
    const [shop] = await seed(deps.sql, { shops: 1, customers: 2000, products: Number(values.products), employees: 12, expenses: 500, bills: Number(values.bills) });
    await rebuildShop(deps.sql, deps.redis, deps.keys, shop!.id);
    const [owner] = await deps.sql<{ id: number }[]>`select id from users where shop_id = ${shop!.id} and role = 'owner'`;
    const p: Principal = { kind: 'user', id: owner!.id, shopId: shop!.id, role: 'owner' };
    const docs: [string, TSchema, unknown][] = [
      ['GET /api/products, page of 50', PageOf(ProductOut), await listProducts(deps.sql, p, { page: 1, per_page: 50 })],
      ['GET /api/products, page of 200', PageOf(ProductOut), await listProducts(deps.sql, p, { page: 1, per_page: 200 })],
      ['GET /api/dashboard', DashboardSchema, await getDashboard(deps, shop!.id)],
    ];
    console.log('| document | bytes | JSON.stringify, CPU µs per answer | schema writer, CPU µs per answer | ratio |\n|---|---|---|---|---|');
    for (const [label, schema, doc] of docs) {
      const schemaWrite = compileSerializer(schema);
      const plain = (d: unknown) => JSON.stringify(d);
      assert.deepEqual(JSON.parse(schemaWrite(doc)), JSON.parse(plain(doc)), `${label}: the two writers differ`);
      const a: number[] = [];
      const b: number[] = [];
      timed(plain, doc, 200); // warm-up: both compiled by V8 before the rounds
      timed(schemaWrite, doc, 200);
      for (let r = 0; r < Number(values.rounds); r++) {
        // alternate which goes first, so a change in the machine's load falls on both
        if (r % 2) {
          b.push(timed(schemaWrite, doc, Number(values.ms)));
          a.push(timed(plain, doc, Number(values.ms)));
        } else {
          a.push(timed(plain, doc, Number(values.ms)));
          b.push(timed(schemaWrite, doc, Number(values.ms)));
        }
      }
      const [ma, mb] = [median(a), median(b)];
      console.log(`| ${label} | ${plain(doc).length} | ${ma.toFixed(1)} (${Math.min(...a).toFixed(1)}–${Math.max(...a).toFixed(1)}) | ${mb.toFixed(1)} (${Math.min(...b).toFixed(1)}–${Math.max(...b).toFixed(1)}) | ${(mb / ma).toFixed(2)} |`);
    }
  } finally {
    await env.cleanup();
  }
}

run(main);
