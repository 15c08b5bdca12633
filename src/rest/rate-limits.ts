/**
 * Rate limits kept in Redis (rate-limiter-flexible), so every API node counts together.
 * - login: per email (every attempt counts at once, a success clears the count: failed attempts
 *   are what remains) and per client address (every attempt), 15 min windows;
 * - signup: per client address per hour (SIGNUP_LIMIT_PER_IP) and for everyone together per hour
 *   (SIGNUP_LIMIT_PER_HOUR): shops cost a database row set each, and a signup is a session;
 * - per token: every authenticated request, per minute.
 * When Redis does not answer, the per-token limit lets the request through (counted by
 * `tajir_rate_limit_fail_open_total`): losing rate limiting for a moment is better than refusing
 * every sale at the counter. The login and signup limits fail closed (503): they are what stands
 * between a password guesser and the accounts, and nobody's sale waits on a new session.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { ERRORS } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import type { Redis } from '../redis/client.ts';
import type { HttpMetrics } from './metrics.ts';

export interface RateLimits {
  /**
   * Counts a password attempt against the email and the client address, and throws 429 when
   * either is over its budget (503 when Redis does not answer). Counting and deciding are one
   * Redis step, so parallel guesses cannot all slip past one read of the counter.
   */
  checkLogin(email: string, ip: string): Promise<void>;
  /** The password was right: the email's failed attempts are forgiven. */
  loginSucceeded(email: string): Promise<void>;
  /** Throws 429 when the IP signed up too often; 503 when Redis does not answer. */
  checkSignup(ip: string): Promise<void>;
  /** Throws 429 when the token's subject exceeded its per-minute budget. */
  consumeToken(subject: string): Promise<void>;
}

const LOGIN_WINDOW_SECONDS = 15 * 60;

export function createRateLimits(redis: Redis, keys: Keys, config: Config, metrics: Pick<HttpMetrics, 'failedOpen'>): RateLimits {
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
  const signupPerIp = new RateLimiterRedis({
    ...opts,
    keyPrefix: keys.rateLimit('signup-ip'),
    points: config.signupLimitPerIp,
    duration: 3600,
  });
  const signupTotal = new RateLimiterRedis({
    ...opts,
    keyPrefix: keys.rateLimit('signup-all'),
    points: config.signupLimitPerHour,
    duration: 3600,
  });
  const perToken = new RateLimiterRedis({
    ...opts,
    keyPrefix: keys.rateLimit('token'),
    points: config.tokenLimitPerMinute,
    duration: 60,
  });

  /** Runs a limiter call; a RateLimiterRes rejection is a 429, anything else (Redis down) passes, counted. */
  async function failOpen(limit: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof RateLimiterRes) throw ERRORS.rateLimited(err.msBeforeNext / 1000);
      metrics.failedOpen(limit);
    }
  }

  /** As failOpen, but Redis down is a 503: the limit is not skipped. */
  async function failClosed(fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (err instanceof RateLimiterRes) throw ERRORS.rateLimited(err.msBeforeNext / 1000);
      throw ERRORS.dependencyUnavailable(['redis']);
    }
  }

  return {
    async checkLogin(email, ip) {
      // counted before the password is checked, refunded (deleted) when it was right
      await failClosed(() => perEmail.consume(email.toLowerCase()));
      await failClosed(() => perIp.consume(ip));
    },
    loginSucceeded: (email) => failOpen('login-email-reset', () => perEmail.delete(email.toLowerCase())),
    async checkSignup(ip) {
      // the address first: one address over its budget does not use up everyone's
      await failClosed(() => signupPerIp.consume(ip));
      await failClosed(() => signupTotal.consume('all'));
    },
    consumeToken: (subject) => failOpen('token', () => perToken.consume(subject)),
  };
}
