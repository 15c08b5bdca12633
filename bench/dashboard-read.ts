/**
 * What the publisher's dashboard read costs per push, on a shop with history (issue 20, item 2).
 *
 *   node --import=tsx bench/dashboard-read.ts [--bills 20000] [--reads 3000] [--partial]
 *
 * Seeds one shop with `bills` bills spread over the past year (0: a shop with no history, like
 * the realtime bench's fresh shops), rebuilds its aggregates, then does what the publisher does
 * on every leading push `reads` times in a row: a fresh dashboard read (read-dashboard.lua) and
 * the diff against the previous document. Prints this process's CPU per read, Redis's time per
 * script call (INFO commandstats), and the size of the document.
 *
 * `--partial`: each read is the publisher's partial read after a bill of today (readForPush with
 * the state kept by the read before it): a bill of today touches no other day or month of the series.
 */
import { parseArgs } from 'node:util';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { getDashboard, type KeptRead, readForPush } from '../src/domain/dashboard/read.ts';
import { seed } from '../src/domain/seed/seed.ts';
import { dashboardChanges } from '../src/realtime/contracts.ts';
import { SUFFIX } from '../src/redis/keys.ts';
import { benchEnv, run } from './support.ts';

const { values } = parseArgs({ options: { bills: { type: 'string', default: '20000' }, reads: { type: 'string', default: '3000' }, partial: { type: 'boolean', default: false } } });
const BILLS = Number(values.bills);
const READS = Number(values.reads);

async function main() {
  const env = await benchEnv('dashread');
  const { deps } = env;
  const ctx = { ...deps, clock: { now: () => new Date() } };
  try {
    const [shop] = await seed(deps.sql, { shops: 1, customers: 2000, products: 40, employees: 8, expenses: 200, bills: BILLS });
    const shopId = shop!.id;
    await rebuildShop(deps.sql, deps.redis, deps.keys, shopId);
    // warm-up: JIT, the script loaded, the kept script arguments
    let kept: KeptRead | undefined;
    const today = (k: KeptRead) => new Set([SUFFIX.day(k.today), SUFFIX.month(k.today.slice(0, 7)), SUFFIX.tot]);
    const readOnce = async () => {
      if (!values.partial) return getDashboard(ctx, shopId, { fresh: true });
      const r = await readForPush(ctx, shopId, kept && { kept, through: kept.seq, keys: today(kept) });
      if (kept && !r.partial) throw new Error('the partial read fell back to a full one');
      kept = r.kept;
      return r.dashboard;
    };
    let prev = await readOnce();
    for (let i = 0; i < 300; i++) prev = await readOnce();
    await deps.redis.call('config', 'resetstat');
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < READS; i++) {
      const d = await readOnce();
      dashboardChanges(prev, d);
      prev = d;
    }
    const cpu = process.cpuUsage(cpu0);
    const wall = performance.now() - t0;
    const evalsha = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(String(await deps.redis.call('info', 'commandstats')));
    console.log(`shop with ${BILLS} bills over the past year; ${READS} ${values.partial ? 'partial' : 'full'} reads`);
    console.log(`read + diff: ${((cpu.user + cpu.system) / 1000 / READS).toFixed(3)} ms of this process's CPU, ${(wall / READS).toFixed(3)} ms wall, per read`);
    if (evalsha) console.log(`read-dashboard.lua in Redis: ${(Number(evalsha[2]) / Number(evalsha[1])).toFixed(0)} µs per call`);
    console.log(`the document: ${JSON.stringify(prev).length} bytes of JSON`);
  } finally {
    await env.cleanup();
  }
}

run(main);
