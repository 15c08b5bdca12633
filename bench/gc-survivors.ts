/**
 * What the young generation keeps of a client library's finished work (issue 20: why the
 * realtime process's scavenges were long). Each mode runs a loop in a child process under
 * `node --trace-gc-nvp`: issue a batch of commands or queries, await every answer, let a turn
 * pass, then make 2,000 short-lived objects; so whatever a scavenge finds alive of the commands
 * is kept by something after their answers. Prints, per mode, the scavenges' mean bytes
 * allocated, survived (copied or promoted) and promoted, and their mean pause.
 *
 *   node --import=tsx bench/gc-survivors.ts [--seconds 4] [--modes plain,auto,pipeline,...]
 *
 * Modes (Redis at REDIS_URL, db 9, key "k*"; PostgreSQL at DATABASE_URL):
 * - plain:          40 GETs a batch, each written on its own
 * - auto:           the same with ioredis's enableAutoPipelining
 * - pipeline:       the same 40 in one redis.pipeline().exec()
 * - pipeline-clear: as pipeline, then the pipeline's queue and results emptied after exec
 * - corked:         the same 40 on a corked connection (src/redis/client.ts batchWrites)
 * - pg:             one postgres.js query of 20 rows of 200 characters a batch
 * - pg-clear:       as pg, then the result array emptied
 * - node-pg:        the same query on node-postgres (the driver under pg-listen), for comparison
 * - node-pg-clear:  as node-pg, then its rows emptied
 */
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    modes: { type: 'string', default: 'plain,auto,pipeline,pipeline-clear,corked,pg,pg-clear,node-pg,node-pg-clear' },
    /** internal: run one mode's loop (the child) */
    child: { type: 'string' },
  },
});
const SECONDS = Number(values.seconds);
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/9';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';

/** A connected node-postgres client; unlike postgres.js, it does not fall back to the OS user when the URL names none. */
async function nodePgClient() {
  const { default: pg } = await import('pg');
  const url = new URL(DATABASE_URL);
  const client = new pg.Client({
    host: url.hostname,
    port: Number(url.port || 5432),
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    user: decodeURIComponent(url.username) || userInfo().username,
  });
  await client.connect();
  return client;
}

async function loop(mode: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const { default: postgres } = await import('postgres');
  const { createRedis } = await import('../src/redis/client.ts');
  const redis =
    mode === 'corked' ? createRedis(REDIS_URL, { name: 'bench-gc', batchWrites: true }) : new Redis(REDIS_URL, { enableAutoPipelining: mode === 'auto' });
  const sql = postgres(DATABASE_URL, { max: 1 });
  const client = mode.startsWith('node-pg') ? await nodePgClient() : undefined;
  await redis.ping();
  let junk = 0;
  const until = Date.now() + SECONDS * 1000;
  while (Date.now() < until) {
    if (mode === 'pg' || mode === 'pg-clear') {
      const rows = await sql`select ${'x'.repeat(200)}::text as a, g from generate_series(1, 20) g`;
      if (mode === 'pg-clear') rows.length = 0;
    } else if (mode === 'node-pg' || mode === 'node-pg-clear') {
      const r = await client!.query({ name: 'gc', text: 'select $1::text as a, g from generate_series(1, 20) g', values: ['x'.repeat(200)] });
      if (mode === 'node-pg-clear') r.rows.length = 0;
    } else if (mode === 'pipeline' || mode === 'pipeline-clear') {
      const p = redis.pipeline();
      for (let i = 0; i < 40; i++) p.get(`k${i % 20}`);
      await p.exec();
      if (mode === 'pipeline-clear') {
        const inner = p as unknown as { _queue: unknown[]; _result: unknown[] };
        inner._queue.length = 0;
        inner._result.length = 0;
      }
    } else {
      await Promise.all(Array.from({ length: 40 }, (_, i) => redis.get(`k${i % 20}`)));
    }
    await new Promise((resolve) => setImmediate(resolve));
    for (let i = 0; i < 2000; i++) junk += JSON.stringify({ a: i, b: [i, i] }).length;
  }
  redis.disconnect();
  await sql.end();
  await client?.end();
  if (junk < 0) console.log(junk);
}

if (values.child) {
  await loop(values.child);
} else {
  console.log(`mode            scavenges  allocated  survived  promoted  pause   (means per scavenge, ${SECONDS} s each)`);
  for (const mode of values.modes.split(',')) {
    const r = spawnSync(process.execPath, ['--trace-gc-nvp', '--import=tsx', new URL(import.meta.url).pathname, '--child', mode, '--seconds', String(SECONDS)], {
      encoding: 'utf8',
      env: process.env,
    });
    if (r.status !== 0) {
      console.log(`${mode}: exited ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
      continue;
    }
    const scavenges = r.stdout
      .split('\n')
      .filter((l) => l.includes(' gc=s '))
      .map((l) => Object.fromEntries(l.split(' ').map((f) => f.split('=') as [string, string])));
    const mean = (k: string) => scavenges.reduce((s, x) => s + Number(x[k] ?? 0), 0) / Math.max(1, scavenges.length);
    const kb = (k: string) => `${(mean(k) / 1024).toFixed(0)} KB`.padStart(9);
    console.log(
      `${mode.padEnd(15)} ${String(scavenges.length).padStart(9)} ${kb('allocated')} ${kb('new_space_survived')} ${kb('promoted')}  ${mean('pause').toFixed(2)} ms`,
    );
  }
}
