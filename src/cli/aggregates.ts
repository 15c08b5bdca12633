/**
 * `npm run aggregates -- rebuild [--shop N]` and `npm run aggregates -- verify [--shop N]`.
 * rebuild: recomputes a shop's Redis aggregates from one Postgres snapshot (all shops by default).
 * verify: compares Redis with SQL at the same seq; prints every difference; exits 1 if any.
 */
import { parseArgs } from 'node:util';
import { closeCore, createCore } from '../deps.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { catchUpShop, rebuildShop, verifyShop } from '../domain/aggregates/index.ts';
import { createLogger } from '../log.ts';
import { checkPostgres, checkRedis, PreflightError } from '../preflight.ts';

const USAGE = 'usage: npm run aggregates -- rebuild|verify [--shop N]';

async function run(): Promise<number> {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { shop: { type: 'string' } } });
  const command = positionals[0];
  if (command !== 'rebuild' && command !== 'verify') {
    process.stderr.write(`${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  await checkPostgres(config.databaseListenUrl);
  await checkRedis(config);
  const deps = createCore(config, createLogger('warn'));
  try {
    const shops = values.shop
      ? [Number(values.shop)]
      : (await deps.sql<{ id: number }[]>`select id from shops order by id`).map((r) => r.id);
    let failed = 0;
    for (const shopId of shops) {
      if (command === 'rebuild') {
        const r = await rebuildShop(deps.sql, deps.redis, deps.keys, shopId);
        if (r.status === 'rebuilt') await catchUpShop(deps, shopId);
        process.stdout.write(`shop ${shopId}: ${r.status}${r.status === 'rebuilt' ? ` at seq ${r.seq}` : ''}\n`);
        if (r.status !== 'rebuilt') failed++;
      } else {
        await catchUpShop(deps, shopId);
        const v = await verifyShop(deps.sql, deps.redis, deps.keys, shopId);
        if (v.error) {
          failed++;
          process.stdout.write(`shop ${shopId}: cannot compare: ${v.error}\n`);
        } else if (v.differences.length) {
          failed++;
          process.stdout.write(`shop ${shopId}: ${v.differences.length} difference(s) at seq ${v.seq}\n`);
          for (const d of v.differences) process.stdout.write(`  ${d.key} ${d.field}: redis=${d.redis ?? '-'} sql=${d.sql ?? '-'}\n`);
        } else {
          process.stdout.write(`shop ${shopId}: ok at seq ${v.seq}\n`);
        }
      }
    }
    return failed ? 1 : 0;
  } finally {
    await closeCore(deps);
  }
}

run().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const known = err instanceof ConfigError || err instanceof PreflightError;
    process.stderr.write(`tajir aggregates: ${known ? (err as Error).message : `failed: ${(err as Error).message}`}\n`);
    process.exit(known ? 2 : 1);
  },
);
