/**
 * Start-up checks that turn a missing prerequisite into one sentence saying what to do,
 * instead of a hang or a stack trace.
 */
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { withDatabase } from './db/client.ts';
import { clusterNodes, type RedisTarget } from './redis/client.ts';

export class PreflightError extends Error {}

export async function checkPostgres(url: string): Promise<void> {
  const sql = postgres(withDatabase(url, 'postgres'), { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
  } catch (err) {
    const code = (err as { code?: string }).code ?? (err as Error).message;
    const where = new URL(url).host;
    throw new PreflightError(
      `PostgreSQL is not answering at ${where} (${code}). Start it: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start — or set DATABASE_URL.`,
    );
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

/**
 * A cluster passes when any seed node answers (the others may be failing over) and that node
 * reports the cluster healthy.
 */
export async function checkRedis(target: string | RedisTarget): Promise<void> {
  const t = typeof target === 'string' ? { redisUrl: target } : target;
  if (!t.redisClusterNodes?.length) return checkRedisAt(t.redisUrl);
  const u = new URL(t.redisUrl);
  let last: unknown;
  for (const { host, port } of clusterNodes(t.redisClusterNodes)) {
    u.hostname = host.includes(':') ? `[${host}]` : host;
    u.port = String(port);
    try {
      await checkRedisAt(u.toString(), true);
      return;
    } catch (err) {
      last = err;
    }
  }
  if (last instanceof PreflightError && !last.message.startsWith('Redis is not answering')) throw last;
  throw new PreflightError(`No node of the Redis Cluster answers (${t.redisClusterNodes.join(', ')}). Start the cluster — or fix REDIS_CLUSTER_NODES.`);
}

async function checkRedisAt(url: string, cluster = false): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000 });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\d+)/.exec(info)?.[1];
    if (version && Number(version) < 7) throw new PreflightError(`Redis ${version} is too old at ${new URL(url).host}; Redis 7 or newer is needed.`);
    if (cluster) {
      const state = /cluster_state:(\w+)/.exec(String(await client.call('CLUSTER', 'INFO')))?.[1];
      if (state !== 'ok') throw new PreflightError(`The Redis Cluster at ${new URL(url).host} says cluster_state:${state}; REDIS_CLUSTER_NODES needs a cluster whose every slot is served.`);
    }
  } catch (err) {
    if (err instanceof PreflightError) throw err;
    throw new PreflightError(
      `Redis is not answering at ${new URL(url).host}. Start it: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no — or set REDIS_URL.`,
    );
  } finally {
    client.disconnect();
  }
}
