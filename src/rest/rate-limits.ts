/**
 * Rate limits kept in Redis (rate-limiter-flexible), so every API node counts together.
 * - login: per email (failed attempts; a success clears it) and per IP (every attempt), 15 min windows;
 * - per token: every authenticated request, per minute.
 * When Redis is unreachable the limiter lets the request through: losing rate limiting for a
 * moment is better than refusing every sale at the counter.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { ERRORS } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import type { Redis } from '../redis/client.ts';

export interface RateLimits {
  /** Throws 429 when the email or the IP has tried too often. */
  checkLogin(email: string, ip: string): Promise<void>;
  loginFailed(email: string): Promise<void>;
  loginSucceeded(email: string): Promise<void>;
  /** Throws 429 when the token's subject exceeded its per-minute budget. */
  consumeToken(subject: string): Promise<void>;
}

const LOGIN_WINDOW_SECONDS = 15 * 60;

export function createRateLimits(redis: Redis, keys: Keys, config: Config): RateLimits {
  const opts = { storeClient: redis, rejectIfRedisNotReady: true };
  const perEmail = new RateLimiterRedis({
    ...opts,
    keyPrefix: keys.rateLimit('login-email'),
    points: config.loginLimitPerEmail,
    duration: LOGIN_WINDOW_SECONDS,
  });
  const perIp = new RateLimiterRedis({
    ...opts,
    keyPrefix: keys.rateLimit('login-ip'),
    points: config.loginLimitPerIp,
    duration: LOGIN_WINDOW_SECONDS,
  });
  const perToken = new RateLimiterRedis({
    ...opts,
    keyPrefix: keys.rateLimit('token'),
    points: config.tokenLimitPerMinute,
    duration: 60,
  });

  /** Runs a limiter call; a RateLimiterRes rejection is a 429, anything else (Redis down) passes. */
  async function guard(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof RateLimiterRes) throw ERRORS.rateLimited(err.msBeforeNext / 1000);
    }
  }

  return {
    async checkLogin(email, ip) {
      await guard(async () => {
        const res = await perEmail.get(email.toLowerCase());
        if (res && res.consumedPoints >= config.loginLimitPerEmail) throw res;
      });
      await guard(() => perIp.consume(ip));
    },
    loginFailed: (email) => guard(() => perEmail.consume(email.toLowerCase())),
    loginSucceeded: (email) => guard(() => perEmail.delete(email.toLowerCase())),
    consumeToken: (subject) => guard(() => perToken.consume(subject)),
  };
}
