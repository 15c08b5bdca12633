/**
 * Rate limits kept in Redis (rate-limiter-flexible), so every API node counts together.
 * - login: per email (every attempt counts at once, a success clears the count: failed attempts
 *   are what remains) and per client address (every attempt), 15 min windows;
 * - signup: per client address per hour (SIGNUP_LIMIT_PER_IP) and for everyone together per hour
 *   (SIGNUP_LIMIT_PER_HOUR): shops cost a database row set each, and a signup is a session;
 * - per token: every authenticated request, per minute. Each node leases a few requests of the
 *   budget at a time (lease-tokens.lua) and admits from its lease without waiting on Redis, so
 *   the limit adds no round trip to a request (issue 20: a bill is one round trip, its write).
 *   The nodes together never admit more than the budget; a lease a node has not used when the
 *   window ends is lost, so a subject may get up to LEASE_MAX fewer per node and minute. A spent
 *   budget is remembered by the node until the window ends: a flood of refused requests costs
 *   Redis nothing.
 * When Redis does not answer, the per-token limit lets the request through (counted by
 * `tajir_rate_limit_fail_open_total`): losing rate limiting for a moment is better than refusing
 * every sale at the counter. The login and signup limits fail closed (503): they are what stands
 * between a password guesser and the accounts, and nobody's sale waits on a new session.
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { createCache } from '../domain/common/index.ts';
import { ERRORS } from '../errors.ts';
import type { Keys } from '../redis/keys.ts';
import type { ScriptedRedis } from '../redis/scripts.ts';
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
const TOKEN_WINDOW_MS = 60_000;
/** The most a node leases at once: at most 1% of the budget, so small budgets stay exact (a lease of 1). */
const LEASE_MAX = 16;
/** Subjects whose lease a node remembers; least recently used go (their unused lease with them). */
const LEASES_KEPT = 50_000;

interface Lease {
  /** requests this node may still admit in the window */
  tokens: number;
  /** when the window of those tokens ends (ms since the epoch) */
  until: number;
  /** the budget was spent when this window was asked: refused until `until` */
  spent: boolean;
  /** a lease being fetched */
  fetching: Promise<void> | undefined;
  /** requests waiting for a lease (the asking one included): a lease covers them all when they outnumber a lease */
  waiting: number;
}

export function createRateLimits(redis: ScriptedRedis, keys: Keys, config: Config, metrics: Pick<HttpMetrics, 'failedOpen'>): RateLimits {
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
  const budget = config.tokenLimitPerMinute;
  const leaseSize = Math.max(1, Math.min(LEASE_MAX, Math.floor(budget / 100)));
  const leases = createCache<string, Lease>({ max: LEASES_KEPT });
  const tokenPrefix = keys.rateLimit('token');

  /** Asks Redis for a lease; Redis not answering admits the request that asked (fail open, counted). */
  function fetchLease(subject: string, lease: Lease): Promise<void> {
    const p = redis
      .leaseTokens(`${tokenPrefix}:${subject}`, String(budget), String(Math.max(leaseSize, lease.waiting)), String(TOKEN_WINDOW_MS))
      .then(([granted, ttl]) => {
        const now = Date.now();
        // tokens of an ended window are not carried into the next
        if (now >= lease.until) lease.tokens = 0;
        lease.tokens += granted;
        lease.until = now + ttl;
        lease.spent = granted === 0;
      })
      .finally(() => {
        lease.fetching = undefined;
      });
    lease.fetching = p;
    return p;
  }

  async function consumeToken(subject: string): Promise<void> {
    let lease = leases.get(subject);
    if (!lease) {
      lease = { tokens: 0, until: 0, spent: false, fetching: undefined, waiting: 0 };
      leases.set(subject, lease);
    }
    // each pass either admits, refuses, or waits for one lease: a lease that others took first sends it round again
    for (let pass = 0; pass < 4; pass++) {
      const now = Date.now();
      if (now < lease.until && lease.tokens > 0) {
        lease.tokens--;
        // the next lease is asked for while half of this one is left: a steady client never waits
        if (leaseSize > 1 && lease.tokens <= leaseSize / 2 && !lease.fetching) fetchLease(subject, lease).catch(() => {});
        return;
      }
      if (now < lease.until && lease.spent && !lease.fetching) throw ERRORS.rateLimited((lease.until - now) / 1000);
      lease.waiting++;
      try {
        await (lease.fetching ?? fetchLease(subject, lease));
      } catch {
        metrics.failedOpen('token');
        return;
      } finally {
        lease.waiting--;
      }
    }
    // still none after four leases: the subject's own requests are racing each other; refuse this one
    throw ERRORS.rateLimited(Math.max(0.001, (lease.until - Date.now()) / 1000));
  }

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
    consumeToken,
  };
}
