/** The one in-process cache (src/domain/common/cache.ts): bounded by entries, and by weight when asked. */
import assert from 'node:assert/strict';
import { createCache } from '../src/domain/common/index.ts';

describe('in-process cache', () => {
  it('keeps at most `weight.max` in all: heavy entries push the least recently used out', () => {
    const c = createCache<string, { lines: number }>({ max: 100, weight: { max: 10, of: (v) => 1 + v.lines } });
    c.set('a', { lines: 3 });
    c.set('b', { lines: 3 });
    c.set('c', { lines: 3 }); // 12 > 10: 'a' goes
    assert.equal(c.has('a'), false);
    assert.equal(c.calculatedSize, 8);
    c.set('big', { lines: 20 }); // heavier than the bound: not kept at all
    assert.equal(c.has('big'), false);
    assert.deepEqual([...c.keys()].sort(), ['b', 'c']);
  });
});
