/**
 * Where an aggregator's rebuilds wait (src/workers/aggregator.ts rebuildQueue): after Redis comes
 * back empty every shop needs one, and the shops that are selling get theirs before the quiet ones.
 * The end-to-end case (a shop selling through a Redis restart, its bills all pushed) is in
 * feeds.test.ts.
 */
import assert from 'node:assert/strict';
import type { RebuildResult } from '../src/domain/aggregates/index.ts';
import { rebuildQueue } from '../src/workers/aggregator.ts';

describe('rebuild queue', () => {
  it('runs a selling shop before the quiet ones, also when it was already waiting; first come first served within each', async () => {
    const q = rebuildQueue(1, () => false);
    const order: number[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const rebuild = (shopId: number, wait?: Promise<void>) => async (): Promise<RebuildResult> => {
      await wait;
      order.push(shopId);
      return { status: 'rebuilt', seq: shopId };
    };
    const done = [q.run(100, rebuild(100, blocked))]; // holds the one slot
    for (const shopId of [1, 2, 3, 4, 5]) done.push(q.run(shopId, rebuild(shopId)));
    q.selling(5); // waiting: moved up
    q.selling(9); // not waiting yet: goes up when it comes
    done.push(q.run(9, rebuild(9)));
    q.selling(1);
    assert.equal(q.waiting, 6);
    release();
    const results = await Promise.all(done);
    assert.deepEqual(order, [100, 5, 9, 1, 2, 3, 4]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rebuilt' ? r.seq : r.status)),
      [100, 1, 2, 3, 4, 5, 9],
      'each caller gets its own rebuild',
    );
  });

  it('answers busy without rebuilding once the aggregator stops, so stopping does not wait for the queue', async () => {
    let stopped = false;
    const q = rebuildQueue(1, () => stopped);
    let ran = 0;
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const first = q.run(1, async () => {
      await blocked;
      ran++;
      return { status: 'rebuilt', seq: 1 };
    });
    const rest = [2, 3, 4].map((shopId) =>
      q.run(shopId, async () => {
        ran++;
        return { status: 'rebuilt', seq: shopId };
      }),
    );
    stopped = true;
    release();
    assert.deepEqual(await first, { status: 'rebuilt', seq: 1 }, 'a rebuild under way finishes');
    assert.deepEqual(await Promise.all(rest), [{ status: 'busy' }, { status: 'busy' }, { status: 'busy' }]);
    assert.equal(ran, 1);
  });
});
