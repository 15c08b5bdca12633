/**
 * Wrong cashier PINs per terminal (rate-limiter-flexible in Redis, so every API node counts
 * together): 5 wrong PINs lock the terminal's PIN sign-in for 5 minutes (429 with Retry-After);
 * a right PIN clears the count. A 4-digit PIN has 10,000 values: without this lock a stolen
 * terminal token could find every cashier's PIN in minutes. Like the login limit it fails
 * closed (503) when Redis does not answer.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { ERRORS } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import type { Redis } from '../redis/client.ts';

export const PIN_TRIES = 5;
export const PIN_LOCK_SECONDS = 5 * 60;

export interface PinLimit {
  /** 429 while the terminal is locked; 503 when Redis does not answer. */
  check(terminalId: number): Promise<void>;
  failed(terminalId: number): Promise<void>;
  succeeded(terminalId: number): Promise<void>;
}

// one limiter per Redis client: the routes reach it through deps, which are built once
const made = new WeakMap<Redis, PinLimit>();

export function pinLimit(redis: Redis, keys: Keys): PinLimit {
  const hit = made.get(redis);
  if (hit) return hit;
  const limiter = new RateLimiterRedis({
    storeClient: redis,
    rejectIfRedisNotReady: true,
    keyPrefix: keys.rateLimit('terminal-pin'),
    points: PIN_TRIES,
    duration: PIN_LOCK_SECONDS,
  });
  const closed = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof RateLimiterRes) throw ERRORS.rateLimited(err.msBeforeNext / 1000);
      throw ERRORS.dependencyUnavailable(['redis']);
    }
  };
  const limit: PinLimit = {
    async check(terminalId) {
      const res = await closed(() => limiter.get(String(terminalId)));
      if (res && res.consumedPoints >= PIN_TRIES) throw ERRORS.rateLimited(res.msBeforeNext / 1000);
    },
    async failed(terminalId) {
      const res = await closed(() => limiter.penalty(String(terminalId), 1));
      // the fifth wrong PIN starts a full lock from now, whenever in the window the first came
      if (res.consumedPoints >= PIN_TRIES) await closed(() => limiter.block(String(terminalId), PIN_LOCK_SECONDS));
    },
    async succeeded(terminalId) {
      await closed(() => limiter.delete(String(terminalId)));
    },
  };
  made.set(redis, limit);
  return limit;
}
