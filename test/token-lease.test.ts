/**
 * The per-token limit leases requests to each node (src/rest/rate-limits.ts, lease-tokens.lua):
 * a node admits from its lease without a Redis round trip, the nodes together never admit more
 * than the budget, and a spent budget is refused locally until its window ends. Two limiters on
 * one Redis stand for two nodes; Redis calls are counted by wrapping the script's method.
 */
import assert from 'node:assert/strict';
import { testConfig, env } from './support/env.ts';
import { createKeys } from '../src/redis/keys.ts';
import { createRateLimits } from '../src/rest/rate-limits.ts';
import type { ScriptedRedis } from '../src/redis/scripts.ts';

describe('per-token limit: leases per node (issue 20)', function () {
  this.timeout(20_000);
  let calls = 0;
  let failedOpen = 0;
  const counted = (): ScriptedRedis => {
    const redis = env().deps.redis;
    return new Proxy(redis, {
      get(target, prop, receiver) {
        if (prop === 'leaseTokens') {
          return (...args: Parameters<ScriptedRedis['leaseTokens']>) => {
            calls++;
            return target.leaseTokens(...args);
          };
        }
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
  };
  const limiter = (budget: number, prefix: string) =>
    createRateLimits(counted(), createKeys(`${env().config.redisPrefix}${prefix}:`), testConfig({ tokenLimitPerMinute: budget }), {
      failedOpen: () => {
        failedOpen++;
      },
    });
  const outcome = (p: Promise<void>) =>
    p.then(
      () => 'ok' as const,
      (e: { status?: number; retryAfterSeconds?: number }) => {
        assert.equal(e.status, 429);
        return 'refused' as const;
      },
    );

  beforeEach(() => {
    calls = 0;
    failedOpen = 0;
  });

  it('two nodes admit exactly the budget between them, most requests without a Redis call', async () => {
    const a = limiter(1200, `lease-a-${Date.now()}`);
    const prefix = `lease-ab-${Date.now()}`;
    const n1 = limiter(1200, prefix);
    const n2 = limiter(1200, prefix);
    const results: string[] = [];
    // in waves, as clients send: 1,400 requests of one subject, alternating nodes
    for (let wave = 0; wave < 70; wave++) {
      const batch = Array.from({ length: 20 }, (_, i) => outcome((i % 2 ? n1 : n2).consumeToken('user:1')));
      results.push(...(await Promise.all(batch)));
    }
    const admitted = results.filter((r) => r === 'ok').length;
    // each node may lose at most its last lease (12) at the end of the window
    assert.ok(admitted <= 1200 && admitted >= 1200 - 2 * 12, `admitted ${admitted}`);
    assert.ok(calls < 400, `${calls} Redis calls for 1,400 requests`);
    assert.equal(failedOpen, 0);
    // another subject, and another limiter prefix, are not affected
    assert.equal(await outcome(n1.consumeToken('user:2')), 'ok');
    assert.equal(await outcome(a.consumeToken('user:1')), 'ok');
  });

  it('a spent budget is refused without asking Redis again until the window ends', async () => {
    const node = limiter(5, `lease-spent-${Date.now()}`);
    const first: string[] = [];
    for (let i = 0; i < 6; i++) first.push(await outcome(node.consumeToken('terminal:9')));
    assert.deepEqual(first, ['ok', 'ok', 'ok', 'ok', 'ok', 'refused']);
    const before = calls;
    const flood = await Promise.all(Array.from({ length: 1000 }, () => outcome(node.consumeToken('terminal:9'))));
    assert.ok(flood.every((r) => r === 'refused'));
    assert.equal(calls, before, 'no Redis call for a refused flood');
  });

  it('a budget under 100 a minute leases one request at a time: exact', async () => {
    const prefix = `lease-small-${Date.now()}`;
    const n1 = limiter(3, prefix);
    const n2 = limiter(3, prefix);
    const r = await Promise.all([n1, n2, n1, n2, n1, n2].map((n) => outcome(n.consumeToken('user:3'))));
    assert.equal(r.filter((x) => x === 'ok').length, 3);
  });

  it('a burst bigger than a lease is admitted with one wait, not refused', async () => {
    const node = limiter(100_000, `lease-burst-${Date.now()}`);
    const r = await Promise.all(Array.from({ length: 200 }, () => outcome(node.consumeToken('user:4'))));
    assert.ok(r.every((x) => x === 'ok'));
    assert.ok(calls <= 10, `${calls} Redis calls`);
  });
});
