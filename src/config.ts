/**
 * Configuration: explicit options > environment > defaults, validated once at start-up and frozen.
 * Nothing else in the codebase reads process.env; the Config object is passed down.
 * A wrong value stops the program with one line naming the variable (see ConfigError).
 */

import { isIP } from 'node:net';

export const ALL_ROLES = ['api', 'realtime', 'aggregator', 'worker'] as const;
export type Role = (typeof ALL_ROLES)[number];

export interface Config {
  /** Postgres connection string. Default postgres://127.0.0.1:5432/tajir */
  databaseUrl: string;
  /**
   * A direct connection to the primary, never through a transaction-pooling PgBouncer: LISTEN,
   * migrations and the start-up check use it. Default databaseUrl.
   */
  databaseListenUrl: string;
  /**
   * databaseUrl goes through a transaction-pooling PgBouncer: no prepared statements, no session
   * state outside a transaction. Default false (DATABASE_TRANSACTION_POOLING).
   */
  databaseTransactionPooling: boolean;
  /** A streaming replica for reports and financial insights. Default unset (the primary). */
  reportsDatabaseUrl: string | undefined;
  /** How long a report waits for the replica to replay up to its request before it reads the primary, ms. Default 5000. */
  replicaWaitMs: number;
  /** Redis connection string. Default redis://127.0.0.1:6379 */
  redisUrl: string;
  /**
   * Redis Cluster seed nodes (host:port), from REDIS_CLUSTER_NODES. Set, every Redis use runs in
   * cluster mode (ioredis Cluster, sharded Pub/Sub) and redisUrl is not used. Default unset.
   */
  redisClusterNodes: readonly string[] | undefined;
  /** Prefix of every Redis key this process writes, so several installs (or test runs) share one Redis. Default "tajir:" */
  redisPrefix: string;
  /** HTTP and Socket.IO port. Default 3000; 0 picks a free port. */
  port: number;
  /** Address to bind. Default 0.0.0.0 */
  host: string;
  /** HS256 secret for JWTs (JWT_SECRET, 32+ characters). Default: unset, and a random secret kept in PostgreSQL is used. */
  jwtSecret: string | undefined;
  /** The previous JWT_SECRET, still accepted for verification during a rollover. Default unset. */
  jwtSecretPrevious: string | undefined;
  /** Proxies whose X-Forwarded-For is believed (TRUST_PROXY, comma list of CIDRs or addresses). Default none. */
  trustProxy: readonly string[];
  /** Bearer token /metrics asks for (METRICS_TOKEN). Default unset: /metrics is open. */
  metricsToken: string | undefined;
  /** Signups per client address per hour. Default 10. */
  signupLimitPerIp: number;
  /** Signups in total per hour, every address together. Default 200. */
  signupLimitPerHour: number;
  /** Mail recipients one shop may send to per day (UTC), confirmation mails included. Default 200. */
  mailQuotaPerDay: number;
  /** The service's address as its users reach it, for links in mail (PUBLIC_URL). Default http://localhost:PORT */
  publicUrl: string;
  /** Lifetime of user tokens in seconds. Default 12 h. Terminal tokens do not expire; they are revoked. */
  userTokenTtlSeconds: number;
  /** Roles this process runs. Default all of them. */
  roles: ReadonlySet<Role>;
  /** Largest request body accepted, in bytes; larger answers 413. Default 1 MiB. */
  bodyLimitBytes: number;
  /** Login attempts per email per 15 minutes before 429. Default 10. */
  loginLimitPerEmail: number;
  /** Login attempts per IP per 15 minutes before 429. Default 50. */
  loginLimitPerIp: number;
  /** Requests per token per minute before 429. Default 1200. */
  tokenLimitPerMinute: number;
  /** Postgres pool size. Default 10. */
  dbPoolSize: number;
  /** pino level. Default info. */
  logLevel: string;
  /** Create the demo shop on an empty database at start. Default true. */
  seedDemo: boolean;
  /** Aggregator sweep interval in ms: the worst delay of a lost wake-up. Default 2000. */
  sweepMs: number;
  /** At most one dashboard:update per shop per this many ms. Default 50. */
  pushWindowMs: number;
  /** Socket.IO handshakes per client IP per 10 s (reconnect storms). Default 60. */
  handshakesPerIp: number;
  /** Unsent bytes a socket may queue before it is disconnected as a slow consumer. Default 1 MiB. */
  socketBufferCapBytes: number;
  /** Bytes of written list answers each node keeps (rest/http/read-cache.ts; READ_CACHE_MB). Default 64 MiB; 0 turns it off. */
  readCacheBytes: number;
  /**
   * Whether each node keeps what bills read again and again (domain/billing/inputs-cache.ts;
   * BILL_INPUTS_CACHE), so a bill on a warm node is one round trip, and a payment on a bill the node
   * wrote too. Default true; exact either way.
   */
  billInputsCache: boolean;
  /** Where report files are written. Default var/reports. */
  reportsDir: string;
  /** How long a report file can be downloaded, in hours. Default 24. */
  reportTtlHours: number;
  /** SMTP relay (smtp://user:pass@host:port). Unset: mail is written as .eml files to mailDir. */
  smtpUrl: string | undefined;
  /** Default var/mail. */
  mailDir: string;
  /** Sender of report mail. Default "Tajir POS <reports@tajir.local>". */
  mailFrom: string;
  /** A job whose worker stops renewing its lock for this long is taken over by another worker, ms. Default 30000. */
  workerLockMs: number;
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, def: string): string {
  const v = env[name];
  return v === undefined || v === '' ? def : v;
}

function int(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${n}`);
  return n;
}

function url(env: Env, name: string, def: string, protocols: string[]): string {
  const v = str(env, name, def);
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, `not a valid URL: "${v}"`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `expected a ${protocols.join(' or ')}// URL, got "${parsed.protocol}//"`);
  }
  return v;
}

/** A comma list of CIDRs (10.0.0.0/8, fd00::/8) or single addresses, each checked here. */
function cidrs(env: Env, name: string): string[] {
  const raw = str(env, name, '');
  const out: string[] = [];
  for (const item of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [addr, bits, extra] = item.split('/');
    const family = isIP(addr ?? '');
    const max = family === 6 ? 128 : 32;
    if (!family || extra !== undefined || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max))) {
      throw new ConfigError(name, `"${item}" is not an address or CIDR (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)`);
    }
    out.push(bits === undefined ? `${addr}/${max}` : item);
  }
  return out;
}

/** A comma list of host:port, e.g. "10.0.0.1:7000,10.0.0.2:7000". */
function hostPorts(env: Env, name: string): string[] | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const hp of list) {
    const m = /^([A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):(\d{1,5})$/.exec(hp);
    if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) throw new ConfigError(name, `expected a comma list of host:port, got "${hp}"`);
  }
  if (list.length > 1000) throw new ConfigError(name, 'at most 1000 nodes');
  return list;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return def;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ConfigError(name, `expected true or false, got "${v}"`);
}

/** Builds the frozen Config from explicit overrides, then the environment, then defaults. */
export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const rolesRaw = str(env, 'ROLES', ALL_ROLES.join(','));
  const roles = new Set<Role>();
  for (const r of rolesRaw.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(ALL_ROLES as readonly string[]).includes(r)) {
      throw new ConfigError('ROLES', `unknown role "${r}"; use a comma list of ${ALL_ROLES.join(', ')}`);
    }
    roles.add(r as Role);
  }
  if (roles.size === 0) throw new ConfigError('ROLES', 'at least one role is needed');

  const jwtSecretRaw = env.JWT_SECRET;
  if (jwtSecretRaw !== undefined && jwtSecretRaw !== '' && jwtSecretRaw.length < 32) {
    throw new ConfigError('JWT_SECRET', 'must be at least 32 characters');
  }
  const jwtPreviousRaw = env.JWT_SECRET_PREVIOUS;
  if (jwtPreviousRaw !== undefined && jwtPreviousRaw !== '' && jwtPreviousRaw.length < 32) {
    throw new ConfigError('JWT_SECRET_PREVIOUS', 'must be at least 32 characters');
  }
  const metricsToken = env.METRICS_TOKEN || undefined;
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,200}$/.test(metricsToken)) {
    throw new ConfigError('METRICS_TOKEN', 'use 16-200 printable characters without spaces');
  }
  const logLevel = str(env, 'LOG_LEVEL', 'info');
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `unknown level "${logLevel}"`);
  }
  const redisPrefix = str(env, 'REDIS_PREFIX', 'tajir:');
  if (!/^[A-Za-z0-9_:.-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError('REDIS_PREFIX', 'use 1-64 letters, digits, "_", ":", "." or "-"');
  }

  const config: Config = {
    databaseUrl: url(env, 'DATABASE_URL', 'postgres://127.0.0.1:5432/tajir', ['postgres:', 'postgresql:']),
    databaseListenUrl: url(env, 'DATABASE_LISTEN_URL', str(env, 'DATABASE_URL', 'postgres://127.0.0.1:5432/tajir'), ['postgres:', 'postgresql:']),
    databaseTransactionPooling: bool(env, 'DATABASE_TRANSACTION_POOLING', false),
    reportsDatabaseUrl: env.REPORTS_DATABASE_URL ? url(env, 'REPORTS_DATABASE_URL', '', ['postgres:', 'postgresql:']) : undefined,
    replicaWaitMs: int(env, 'REPLICA_WAIT_MS', 5000, 0, 600_000),
    redisClusterNodes: hostPorts(env, 'REDIS_CLUSTER_NODES'),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    redisPrefix,
    port: int(env, 'PORT', 3000, 0, 65535),
    host: str(env, 'HOST', '0.0.0.0'),
    jwtSecret: jwtSecretRaw || undefined,
    jwtSecretPrevious: jwtPreviousRaw || undefined,
    trustProxy: cidrs(env, 'TRUST_PROXY'),
    metricsToken,
    signupLimitPerIp: int(env, 'SIGNUP_LIMIT_PER_IP', 10, 1, 100000),
    signupLimitPerHour: int(env, 'SIGNUP_LIMIT_PER_HOUR', 200, 1, 10000000),
    mailQuotaPerDay: int(env, 'MAIL_QUOTA_PER_DAY', 200, 1, 1000000),
    publicUrl: url(env, 'PUBLIC_URL', `http://localhost:${int(env, 'PORT', 3000, 0, 65535)}`, ['http:', 'https:']).replace(/\/+$/, ''),
    userTokenTtlSeconds: int(env, 'USER_TOKEN_TTL_SECONDS', 12 * 3600, 10, 30 * 86400),
    roles,
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    loginLimitPerEmail: int(env, 'LOGIN_LIMIT_PER_EMAIL', 10, 1, 100000),
    loginLimitPerIp: int(env, 'LOGIN_LIMIT_PER_IP', 50, 1, 100000),
    tokenLimitPerMinute: int(env, 'TOKEN_LIMIT_PER_MINUTE', 1200, 1, 10000000),
    dbPoolSize: int(env, 'DB_POOL_SIZE', 10, 1, 200),
    logLevel,
    seedDemo: bool(env, 'SEED_DEMO', true),
    sweepMs: int(env, 'AGGREGATOR_SWEEP_MS', 2000, 50, 600_000),
    pushWindowMs: int(env, 'PUSH_WINDOW_MS', 50, 0, 60_000),
    handshakesPerIp: int(env, 'SOCKET_HANDSHAKES_PER_IP', 60, 1, 10_000_000),
    socketBufferCapBytes: int(env, 'SOCKET_BUFFER_CAP_BYTES', 1024 * 1024, 16 * 1024, 256 * 1024 * 1024),
    readCacheBytes: int(env, 'READ_CACHE_MB', 64, 0, 4096) * 1024 * 1024,
    billInputsCache: bool(env, 'BILL_INPUTS_CACHE', true),
    reportsDir: str(env, 'REPORTS_DIR', 'var/reports'),
    reportTtlHours: int(env, 'REPORT_TTL_HOURS', 24, 1, 24 * 365),
    smtpUrl: env.SMTP_URL ? url(env, 'SMTP_URL', '', ['smtp:', 'smtps:']) : undefined,
    mailDir: str(env, 'MAIL_DIR', 'var/mail'),
    mailFrom: str(env, 'MAIL_FROM', 'Tajir POS <reports@tajir.local>'),
    workerLockMs: int(env, 'WORKER_LOCK_MS', 30_000, 1000, 3_600_000),
    ...overrides,
  };
  // An override of the database (tests, the CLIs) moves the direct connection with it, unless
  // that is set too: without a pooler the two are the same server.
  if (overrides.databaseUrl && !overrides.databaseListenUrl && !env.DATABASE_LISTEN_URL) config.databaseListenUrl = overrides.databaseUrl;
  return Object.freeze(config);
}
