/**
 * The service's Redis Cluster clients (src/redis/client.ts) on a real cluster of 3 masters and 3
 * replicas, configured as the service makes them (one write per node and turn, batchWrites), for
 * the two faults that auto-pipelining brought in (issue 16; no client auto-pipelines since issue 20):
 * - The Socket.IO adapter's sharded subscriber keeps every channel through a master killed and a
 *   manual failover. A pipelined SSUBSCRIBE went past ioredis's subscriber group, so the group
 *   never re-subscribed that channel on the slot's new master, and a room stopped hearing other
 *   nodes for good.
 * - Scripts whose key count varies (count first, then keys) do not fail when many shops call
 *   them in one tick. Auto-pipelining grouped them by the count, not by a key.
 * Run with `npm run test:topology`.
 */
import assert from 'node:assert/strict';
import { createKeys } from '../../src/redis/keys.ts';
import { createRedis, type Redis } from '../../src/redis/client.ts';
import { withScripts } from '../../src/redis/scripts.ts';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts';
import { until } from '../support/sockets.ts';

describe('Redis Cluster clients (issue 16)', function () {
  this.timeout(120_000);
  let cluster: RedisCluster;
  const clients: Redis[] = [];
  const client = (opts: Parameters<typeof createRedis>[1]) => {
    const c = createRedis({ redisUrl: 'redis://127.0.0.1:1', redisClusterNodes: cluster.seeds }, opts);
    clients.push(c);
    return c;
  };

  before(async () => {
    cluster = await startRedisCluster(3);
  });
  after(async () => {
    for (const c of clients) c.disconnect();
    await cluster?.destroy();
  });

  it('runs variable-key scripts for many shops in one tick', async () => {
    // as the service's request client: one write per node and turn (client.ts batchWrites)
    const redis = withScripts(client({ name: 'test-scripts', batchWrites: true }));
    const keys = createKeys('clustertest:');
    const nodes = () => (redis as unknown as { nodes(role: 'master'): { stream?: { writableCorked: number } }[] }).nodes('master');
    // clear-shop-keys with a token nobody holds: 0 for each shop, and no pipeline error
    const allShops = () =>
      Array.from({ length: 60 }, (_, shopId) => {
        const k = keys.agg(shopId + 1);
        return redis.clearShopKeys(3, k.meta, k.registry, k.full('tot'), 'nobody');
      });
    assert.deepEqual(new Set(await Promise.all(allShops())), new Set([0]));
    // now every master's connection is up: a turn's calls leave corked, one write per node
    const replies = allShops();
    assert.equal(nodes().length, 3);
    assert.equal(nodes().filter((n) => n.stream?.writableCorked === 1).length, 3, 'each master corked for the turn');
    assert.deepEqual(new Set(await Promise.all(replies)), new Set([0]));
    for (const node of nodes()) assert.equal(node.stream?.writableCorked, 0);
  });

  it('keeps every sharded subscription through a killed master and a manual failover', async () => {
    const sub = client({ name: 'test-sio-sub', maxRetriesPerRequest: null, shardedSubscriber: true });
    const pub = client({ name: 'test-sio-pub', maxRetriesPerRequest: null, batchWrites: true });
    // room channels as the adapter names them; subscribed in one tick, as sockets join their rooms
    const channels = Array.from({ length: 45 }, (_, i) => `clustertest:sio#/#shop:${i}:dashboard:whole#`);
    const heard = new Set<string>();
    sub.on('smessage', (channel: string) => heard.add(channel));
    await Promise.all(channels.map((c) => sub.ssubscribe(c)));

    /** Publishes on every channel until each was heard, or fails naming the deaf ones. */
    const allHear = async (what: string) => {
      heard.clear();
      await until(
        async () => {
          for (const c of channels) if (!heard.has(c)) await pub.spublish(c, 'ping').catch(() => {});
          await new Promise((r) => setTimeout(r, 100));
          return heard.size === channels.length;
        },
        30_000,
        `every channel to be heard ${what}`,
      ).catch((err) => {
        throw new Error(`${(err as Error).message}; deaf: ${channels.filter((c) => !heard.has(c)).join(' ')}`);
      });
    };

    await allHear('at first');
    await cluster.killMaster(await cluster.masterOf(channels[0]!));
    await allHear('after a master was killed');
    await cluster.failover(await cluster.masterOf(channels[1]!));
    await allHear('after a manual failover');
  });
});
