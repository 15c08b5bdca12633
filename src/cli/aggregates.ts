/**
 * `npm run aggregates -- rebuild [--shop N]` and `npm run aggregates -- verify [--shop N]`.
 * rebuild: recomputes a shop's Redis aggregates from one Postgres snapshot (all shops by default).
 * verify: compares Redis with SQL at the same seq; prints every difference; exits 1 if any.
 */
import { ConfigError, loadConfig } from '../config.ts';
import { checkPostgres, checkRedis, PreflightError } from '../preflight.ts';
import { parseCommand, usageError, wholeNumber } from './args.ts';
import { type Progress, startProgress } from './progress.ts';

const COMMAND = {
  name: 'aggregates',
  usage: `
usage: npm run aggregates -- rebuild [--shop N]
       npm run aggregates -- verify [--shop N]

rebuild  recomputes each shop's Redis aggregates (the dashboards' figures) from one PostgreSQL
         snapshot and swaps them in, then applies the events committed since; it also clears a
         shop stuck at an event that could not be applied.
verify   brings each shop up to date, then compares its Redis aggregates with the same figures
         computed in SQL at the same seq, and prints every difference.

One line per shop on stdout. Over several shops, progress goes to stderr: a bar in a terminal,
a line every few seconds otherwise.

options:
  --shop N     this shop only (default: every shop)
  -h, --help   this text

environment: DATABASE_URL, REDIS_URL, REDIS_PREFIX (README, "Configuration")

exit status: 0 every shop rebuilt / equal; 1 a shop could not be rebuilt or compared, or differs;
2 bad usage, a bad configuration value, or PostgreSQL or Redis not answering`,
};

const { positionals, values } = parseCommand(COMMAND, { shop: { type: 'string' } }, { positionals: true });
const command = positionals[0];
if (command !== 'rebuild' && command !== 'verify') usageError(COMMAND, command === undefined ? 'say rebuild or verify' : `unknown command "${command}"`);
if (positionals.length > 1) usageError(COMMAND, `unexpected argument "${positionals[1]}"`);
const shopOption = values.shop === undefined ? undefined : wholeNumber(COMMAND, 'shop', values.shop, 0, { min: 1 });

async function run(): Promise<number> {
  const config = loadConfig();
  await checkPostgres(config.databaseListenUrl);
  await checkRedis(config);
  // the service's modules after the arguments and the servers are checked (main.ts says why)
  const [{ closeCore, createCore }, { catchUpShop, rebuildShop, verifyShop }, { createLogger }] = await Promise.all([
    import('../deps.ts'),
    import('../domain/aggregates/index.ts'),
    import('../log.ts'),
  ]);
  const deps = createCore(config, createLogger('warn'));
  let progress: Progress | undefined;
  try {
    const shops = shopOption !== undefined ? [shopOption] : (await deps.sql<{ id: number }[]>`select id from shops order by id`).map((r) => r.id);
    if (shops.length > 1) progress = startProgress(command!, shops.length, { unit: 'shops' });
    const say = (line: string) => (progress ? progress.line(line) : process.stdout.write(`${line}\n`));
    let failed = 0;
    for (const shopId of shops) {
      if (command === 'rebuild') {
        const r = await rebuildShop(deps.sql, deps.redis, deps.keys, shopId);
        if (r.status === 'rebuilt') await catchUpShop(deps, shopId);
        say(`shop ${shopId}: ${r.status}${r.status === 'rebuilt' ? ` at seq ${r.seq}` : ''}`);
        if (r.status !== 'rebuilt') failed++;
      } else {
        await catchUpShop(deps, shopId);
        const v = await verifyShop(deps.sql, deps.redis, deps.keys, shopId);
        if (v.error) {
          failed++;
          say(`shop ${shopId}: cannot compare: ${v.error}`);
        } else if (v.differences.length) {
          failed++;
          say(`shop ${shopId}: ${v.differences.length} difference(s) at seq ${v.seq}`);
          for (const d of v.differences) say(`  ${d.key} ${d.field}: redis=${d.redis ?? '-'} sql=${d.sql ?? '-'}`);
        } else {
          say(`shop ${shopId}: ok at seq ${v.seq}`);
        }
      }
      progress?.increment();
    }
    return failed ? 1 : 0;
  } finally {
    progress?.stop();
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
