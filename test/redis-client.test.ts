/**
 * The Redis clients' one write a turn (src/redis/client.ts batchWrites, issue 20): the commands a
 * turn of the event loop issues leave in one write, each is answered in order, and a connection
 * that drops and comes back is not left corked. On the test run's Redis, under its key prefix.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { createRedis, type Redis } from '../src/redis/client.ts';
import { env } from './support/env.ts';
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
const streamOf = (redis: Redis) => (redis as unknown as { stream: Socket }).stream;

describe('Redis client: one write a turn (issue 20)', () => {
  let key: string;
  before(() => {
    key = `${env().config.redisPrefix}batch`;
  });
  const clients: Redis[] = [];
  const client = async (batchWrites: boolean) => {
    const redis = createRedis(env().config.redisUrl, { name: `tajir-test-batch-${process.pid}`, batchWrites });
    clients.push(redis);
    await redis.ping();
    return redis;
  };

  afterEach(async () => {
    await clients[0]?.del(key);
    for (const c of clients.splice(0)) c.disconnect();
  });

  /** Counts the writes the connection makes to its socket (one per syscall: _writev for a corked batch). */
  function countWrites(stream: Socket): () => number {
    const s = stream as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
    let writes = 0;
    const write = s._write.bind(s);
    const writev = s._writev.bind(s);
    s._write = (...a) => {
      writes++;
      write(...a);
    };
    s._writev = (...a) => {
      writes++;
      writev(...a);
    };
    return () => writes;
  }

  it('sends the commands of one turn in one write and answers each in order', async () => {
    const redis = await client(true);
    const writes = countWrites(streamOf(redis));
    const replies = Array.from({ length: 50 }, () => redis.incr(key));
    assert.equal(streamOf(redis).writableCorked, 1, 'corked until the turn ends');
    await nextTurn();
    assert.equal(streamOf(redis).writableCorked, 0);
    assert.deepEqual(
      await Promise.all(replies),
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    assert.equal(writes(), 1);

    // commands issued as answers arrive (one microtask drain) share a write too
    const before = writes();
    await Promise.all([redis.get(key), redis.get(key)].map((p) => p.then(() => redis.incr(key))));
    assert.equal(writes() - before, 2, 'the two GETs in one write, the two INCRs in another');
    assert.equal(await redis.get(key), '52');
  });

  it('writes each command at once without it', async () => {
    const redis = await client(false);
    const writes = countWrites(streamOf(redis));
    const replies = Array.from({ length: 5 }, () => redis.incr(key));
    assert.equal(streamOf(redis).writableCorked, 0);
    assert.deepEqual(await Promise.all(replies), [1, 2, 3, 4, 5]);
    assert.equal(writes(), 5);
  });

  it('answers commands across a dropped connection and leaves the new one uncorked', async () => {
    const redis = await client(true);
    const admin = await client(false);
    const first = streamOf(redis);
    assert.equal(await redis.incr(key), 1);
    // the server drops this connection; ioredis reconnects and sends what was queued meanwhile
    const id = await redis.call('CLIENT', 'ID');
    assert.equal(await admin.call('CLIENT', 'KILL', 'ID', String(id)), 1);
    const after = Array.from({ length: 5 }, () => redis.incr(key));
    assert.deepEqual(await Promise.all(after), [2, 3, 4, 5, 6]);
    assert.notEqual(streamOf(redis), first, 'a new connection');
    await nextTurn();
    assert.equal(streamOf(redis).writableCorked, 0);
    assert.equal(await redis.incr(key), 7);
  });
});
