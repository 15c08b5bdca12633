/**
 * A throwaway Redis Cluster from Debian's redis-server and redis-cli: `masters` masters with one
 * replica each, on free ports, its files in a temp dir. The node timeout is short (1 s) so a
 * killed master's replica is promoted within a few seconds, as an operator would tune a test
 * cluster; everything else is redis-server's defaults plus no persistence.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort } from './redis-server.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ClusterNode {
  port: number;
  child: ChildProcess;
}

export interface RedisCluster {
  /** host:port of every node, for REDIS_CLUSTER_NODES. */
  seeds: string[];
  nodes: ClusterNode[];
  /** The port of the master serving a key's slot now. */
  masterOf(key: string): Promise<number>;
  /**
   * A manual failover (CLUSTER FAILOVER on a replica of this master, or of another master when this
   * one has no live replica): the replica catches up, then takes over; resolves once it is master
   * and every slot is served.
   */
  failover(masterPort: number, timeoutMs?: number): Promise<void>;
  /** SIGKILL a master; resolves once one of its replicas took over its slots and every slot is served. */
  killMaster(port: number, timeoutMs?: number): Promise<void>;
  destroy(): Promise<void>;
  /** destroy(), synchronously: for a test killed by a signal. */
  destroySync(): void;
}

export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'tajir-redis-cluster-'));
  const nodes: ClusterNode[] = [];
  for (let i = 0; i < masters * 2; i++) {
    const port = await freePort();
    const child = spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--cluster-node-timeout', '1000', '--dir', dir, '--logfile', join(dir, `log-${port}`),
      ],
      { stdio: 'ignore' },
    );
    nodes.push({ port, child });
  }
  const client = (port: number) => {
    const c = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    c.on('error', () => {});
    return c;
  };
  const ask = async (port: number, ...args: string[]): Promise<string | undefined> => {
    const c = client(port);
    try {
      await c.connect();
      return String(await c.call(args[0]!, ...args.slice(1)));
    } catch {
      return undefined;
    } finally {
      c.disconnect();
    }
  };
  const until = async (what: string, ok: () => Promise<boolean>, timeoutMs: number) => {
    const end = Date.now() + timeoutMs;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
      await sleep(100);
    }
  };
  const alive = () => nodes.filter((n) => n.child.exitCode === null && n.child.signalCode === null);
  const clusterOk = async () => {
    for (const n of alive()) if (!/cluster_state:ok/.test((await ask(n.port, 'CLUSTER', 'INFO')) ?? '')) return false;
    return true;
  };

  try {
    await until('the nodes to answer', async () => (await Promise.all(nodes.map((n) => ask(n.port, 'PING')))).every((r) => r === 'PONG'), 10_000);
    await run('redis-cli', ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes']);
    await until('every slot to be served', clusterOk, 20_000);
    // a replica that never synced cannot take over: wait for every replica's link to its master
    await until(
      'every replica to sync',
      async () => (await Promise.all(nodes.map((n) => ask(n.port, 'INFO', 'replication')))).filter((i) => /role:slave/.test(i ?? '')).every((i) => /master_link_status:up/.test(i ?? '')),
      20_000,
    );
  } catch (err) {
    for (const n of nodes) n.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }

  return {
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`),
    nodes,
    async masterOf(key) {
      const port = alive()[0]!.port;
      const slot = Number(await ask(port, 'CLUSTER', 'KEYSLOT', key));
      const c = client(port);
      try {
        await c.connect();
        const slots = (await c.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const owner = slots.find(([from, to]) => slot >= from && slot <= to);
        if (!owner) throw new Error(`no master serves slot ${slot}`);
        return Number(owner[2][1]);
      } finally {
        c.disconnect();
      }
    },
    async failover(masterPort, timeoutMs = 30_000) {
      const nodesOf = async () =>
        ((await ask(masterPort, 'CLUSTER', 'NODES')) ?? '').split('\n').map((l) => l.trim().split(' ')).filter((f) => f.length >= 8);
      const all = await nodesOf();
      const liveReplicaOf = (id: string | undefined) => all.find((f) => f[3] === id && !f[2]!.includes('fail'));
      const me = all.find((f) => f[2]!.includes('myself'));
      // a master left without a replica (its replica was promoted when it died): fail over another
      const master = liveReplicaOf(me?.[0]) ? me : all.find((f) => f[2]!.includes('master') && !f[2]!.includes('fail') && liveReplicaOf(f[0]));
      const replica = liveReplicaOf(master?.[0]);
      if (!replica) throw new Error('no master has a live replica');
      const port = Number(replica[1]!.split('@')[0]!.split(':')[1]);
      if ((await ask(port, 'CLUSTER', 'FAILOVER')) !== 'OK') throw new Error(`CLUSTER FAILOVER refused on ${port}`);
      await until(`${port} to take over`, async () => /role:master/.test((await ask(port, 'INFO', 'replication')) ?? '') && (await clusterOk()), timeoutMs);
    },
    async killMaster(port, timeoutMs = 30_000) {
      const node = nodes.find((n) => n.port === port);
      if (!node) throw new Error(`no node on ${port}`);
      node.child.kill('SIGKILL');
      await until(
        `a replica of ${port} to take over`,
        async () => {
          if (!(await clusterOk())) return false;
          // CLUSTER NODES: id addr flags master ping pong epoch link [slot ...]; the dead master is
          // marked fail and owns no slot any more
          const lines = ((await ask(alive()[0]!.port, 'CLUSTER', 'NODES')) ?? '').split('\n');
          const dead = lines.map((l) => l.trim().split(' ')).find((f) => f[1]?.startsWith(`127.0.0.1:${port}@`));
          return dead !== undefined && dead[2]!.includes('fail') && dead.length <= 8;
        },
        timeoutMs,
      );
    },
    async destroy() {
      for (const n of nodes) n.child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
    destroySync() {
      for (const n of nodes) n.child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
