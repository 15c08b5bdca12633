/**
 * A throwaway PostgreSQL cluster (Debian's initdb and pg_ctl) in a temp dir on a free port, for
 * tests that stop or restart PostgreSQL: never the machine's shared cluster, which other runs use.
 * Postgres refuses to run as root, so as root the cluster belongs to the `postgres` user.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './redis-server.ts';

const run = promisify(execFile);
/** Debian's server binaries: PG_BIN, else the newest /usr/lib/postgresql/N/bin (15 on Debian 12, 17 on 13). */
const BIN =
  process.env.PG_BIN ??
  (() => {
    const base = '/usr/lib/postgresql';
    const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'initdb'))) : [];
    const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
    return join(base, newest ?? '15', 'bin');
  })();

export interface PgCluster {
  port: number;
  /** A database URL on this cluster. */
  url(database: string): string;
  /** pg_ctl start (waits until it accepts connections). */
  start(): Promise<void>;
  /** pg_ctl stop -m fast: every backend ends, the port refuses connections. */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** Stops the cluster and removes its directory. */
  destroy(): Promise<void>;
  /** destroy(), synchronously: for a test killed by a signal, which cannot wait. */
  destroySync(): void;
}

const asRoot = process.getuid?.() === 0;
/** Runs a PostgreSQL program, as `postgres` when we are root. */
const pg = (cmd: string, args: string[]) =>
  asRoot ? run('runuser', ['-u', 'postgres', '--', join(BIN, cmd), ...args]) : run(join(BIN, cmd), args);

/** The path of one of Debian's PostgreSQL server programs (pg_basebackup, pg_ctl, ...). */
export const pgProgram = (cmd: string) => join(BIN, cmd);

/** A temp dir the cluster's user owns. */
export async function postgresOwnedDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  return dir;
}

export async function startPgCluster(): Promise<PgCluster> {
  if (!existsSync(join(BIN, 'initdb'))) throw new Error(`no PostgreSQL binaries in ${BIN} (set PG_BIN)`);
  const dir = await postgresOwnedDir('tajir-pg-');
  const data = join(dir, 'data');
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--locale=C.UTF-8']);
  return runCluster(dir, data);
}

/**
 * A streaming replica of `primary` (pg_basebackup -R: standby.signal and primary_conninfo, WAL
 * streamed during the copy) on a port of its own, read-only, replaying as the primary writes.
 */
export async function startStandby(primary: PgCluster): Promise<PgCluster> {
  const dir = await postgresOwnedDir('tajir-pg-standby-');
  const data = join(dir, 'data');
  await pg('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '--no-sync', '-c', 'fast']);
  return runCluster(dir, data);
}

async function runCluster(dir: string, data: string): Promise<PgCluster> {
  const port = await freePort();
  // fsync off and a small footprint: the cluster lives for one test run.
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB`;
  const ctl = (action: string, extra: string[] = []) => pg('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', ...extra, action]);
  await ctl('start');
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start: async () => {
      await ctl('start');
    },
    stop: async () => {
      await ctl('stop', ['-m', 'fast']);
    },
    restart: async () => {
      await ctl('restart', ['-m', 'fast']);
    },
    destroy: async () => {
      await ctl('stop', ['-m', 'immediate']).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    },
    destroySync: () => {
      const args = ['-D', data, '-m', 'immediate', 'stop'];
      try {
        if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), ...args], { stdio: 'ignore' });
        else execFileSync(join(BIN, 'pg_ctl'), args, { stdio: 'ignore' });
      } catch {}
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
