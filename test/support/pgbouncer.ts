/**
 * A throwaway PgBouncer (Debian's package) in transaction pooling mode in front of a test
 * PostgreSQL cluster, on a free port. PgBouncer refuses to run as root, so as root it runs as
 * `postgres`, like the clusters of pg-cluster.ts. If the binary is missing it is installed with
 * apt-get, as `.ci/run` does.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { postgresOwnedDir } from './pg-cluster.ts';
import { freePort } from './redis-server.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BIN = '/usr/sbin/pgbouncer';

export interface PgBouncer {
  port: number;
  url(database: string): string;
  /** Stops it (SIGINT: closes every client and server connection at once) and starts it again on the same port. */
  restart(): Promise<void>;
  destroy(): Promise<void>;
  /** destroy(), synchronously: for a test killed by a signal. */
  destroySync(): void;
}

export async function ensurePgBouncer(): Promise<void> {
  if (existsSync(BIN)) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['install', '-y', '-qq', 'pgbouncer'], { env }).catch(async () => {
    await run('apt-get', ['update', '-qq'], { env });
    await run('apt-get', ['install', '-y', '-qq', 'pgbouncer'], { env });
  });
}

export async function startPgBouncer(pgPort: number): Promise<PgBouncer> {
  await ensurePgBouncer();
  const dir = await postgresOwnedDir('tajir-pgbouncer-');
  const port = await freePort();
  const ini = join(dir, 'pgbouncer.ini');
  await writeFile(join(dir, 'users.txt'), '"postgres" ""\n');
  await writeFile(
    ini,
    [
      '[databases]',
      `* = host=127.0.0.1 port=${pgPort}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 1000',
      'default_pool_size = 20',
      `logfile = ${join(dir, 'log')}`,
      `pidfile = ${join(dir, 'pid')}`,
      // postgres.js and pg send these at start-up; PgBouncer passes on only what it tracks
      'ignore_startup_parameters = extra_float_digits,options',
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const asRoot = process.getuid?.() === 0;
  const start = async () => {
    child = asRoot ? spawn('runuser', ['-u', 'postgres', '--', BIN, ini], { stdio: 'ignore' }) : spawn(BIN, [ini], { stdio: 'ignore' });
    for (let i = 0; ; i++) {
      const probe = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1, connect_timeout: 1, prepare: false, onnotice: () => {} });
      try {
        await probe`select 1`;
        return;
      } catch (err) {
        if (i > 100) throw new Error(`PgBouncer did not start: ${(err as Error).message}`);
        await sleep(100);
      } finally {
        await probe.end({ timeout: 1 }).catch(() => {});
      }
    }
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      // runuser does not pass signals on: signal PgBouncer itself, by the pid it wrote
      readFile(join(dir, 'pid'), 'utf8')
        .then((pid) => process.kill(Number(pid.trim()), 'SIGINT'))
        .catch(() => c.kill('SIGKILL'));
    });
  };
  await start();
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async restart() {
      await stop();
      await start();
    },
    async destroy() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
    destroySync() {
      try {
        process.kill(Number(readFileSync(join(dir, 'pid'), 'utf8').trim()), 'SIGKILL');
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
