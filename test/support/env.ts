/**
 * The test run's environment: one fresh database and one Redis key prefix per run, a server
 * built with the same factories as main.ts on port 0, and a small HTTP client. Created by the
 * root hooks in test/hooks.ts and dropped after the run.
 */
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { closeCore, createCore } from '../../src/deps.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { createSql, type Sql, withDatabase } from '../../src/db/client.ts';
import { ensureDatabase, migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/log.ts';
import { createRedis, type Redis } from '../../src/redis/client.ts';
import { createKeys } from '../../src/redis/keys.ts';
import type { ScriptedRedis } from '../../src/redis/scripts.ts';
import type { Api } from '../../src/rest/api.ts';
import type { AppDeps } from '../../src/deps.ts';
import { type RunningNode, startNode } from '../../src/node.ts';
import type { Aggregator } from '../../src/workers/aggregator.ts';
import { TestClock } from './clock.ts';

export interface TestEnv {
  config: Readonly<Config>;
  /** The service's clock: real time unless a test pins it. */
  clock: TestClock;
  deps: AppDeps;
  api: Api;
  baseUrl: string;
  sql: Sql;
  redis: ScriptedRedis;
  aggregator: Aggregator;
  node: RunningNode;
}

let current: TestEnv | undefined;

export function env(): TestEnv {
  if (!current) throw new Error('test environment not started (test/hooks.ts)');
  return current;
}

const BASE_DB_URL = process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/postgres';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Config for this run: its own database and Redis prefix; generous limits unless a test lowers them. */
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  const run = runId();
  return loadConfig(
    {
      DATABASE_URL: withDatabase(BASE_DB_URL, `tajir_test_${run}`),
      REDIS_URL,
      REDIS_PREFIX: `tajirtest:${run}:`,
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
      JWT_SECRET: 'test-secret-test-secret-test-secret-0000',
      TOKEN_LIMIT_PER_MINUTE: '1000000',
      LOGIN_LIMIT_PER_EMAIL: '5',
      LOGIN_LIMIT_PER_IP: '100000',
      SIGNUP_LIMIT_PER_IP: '100000',
      SIGNUP_LIMIT_PER_HOUR: '100000',
      BODY_LIMIT_BYTES: String(256 * 1024),
      AGGREGATOR_SWEEP_MS: '500',
    },
    overrides,
  );
}

let _runId: string | undefined;
export function runId(): string {
  _runId ??= `${process.pid}_${randomBytes(3).toString('hex')}`;
  return _runId;
}

export interface Mailbox {
  port: number;
  messages: Buffer[];
  close(): Promise<void>;
}

/** A real SMTP server (smtp-server) in the test process standing in for the mail relay. */
export async function startMailbox(): Promise<Mailbox> {
  const { SMTPServer } = await import('smtp-server');
  const messages: Buffer[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push(Buffer.concat(chunks));
        cb();
      });
    },
  });
  const port: number = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as { port: number }).port)));
  return { port, messages, close: () => new Promise((r) => server.close(() => r())) };
}

let mailbox: Mailbox | undefined;
export function mail(): Mailbox {
  if (!mailbox) throw new Error('mailbox not started');
  return mailbox;
}

export async function startEnv(): Promise<TestEnv> {
  mailbox = await startMailbox();
  const config = testConfig({
    smtpUrl: `smtp://127.0.0.1:${mailbox.port}`,
    reportsDir: `var/test-reports/${runId()}`,
    mailDir: `var/test-mail/${runId()}`,
  });
  await ensureDatabase(config.databaseUrl);
  const migrator = createSql(config.databaseUrl, { max: 1 });
  await migrate(migrator);
  await migrator.end();
  const clock = new TestClock();
  const core = createCore(config, createLogger(config.logLevel), clock);
  const node = await startNode(core, { roles: config.roles, port: 0, host: '127.0.0.1', realtime: { handshakesPerIp: 100_000 } });
  const { deps } = node;
  current = {
    config,
    clock,
    deps,
    node,
    api: node.api!,
    baseUrl: `http://127.0.0.1:${node.port}`,
    sql: deps.sql,
    redis: deps.redis,
    aggregator: node.aggregator!,
  };
  return current;
}

export async function stopEnv(): Promise<void> {
  if (!current) return;
  const { node, deps, config } = current;
  await node.stop(1000);
  await deleteRedisPrefix(deps.redis, config.redisPrefix);
  await closeCore(deps);
  await dropDatabase(config.databaseUrl);
  await mailbox?.close();
  await rm(config.reportsDir, { recursive: true, force: true });
  current = undefined;
}

/** Deletes every key under the prefix (keys.ts knows their shapes, BullMQ's hash-tagged ones included). */
export async function deleteRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  for (const pattern of createKeys(prefix).patterns()) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  const admin = createSql(withDatabase(url, 'postgres'), { max: 1 });
  await admin`drop database if exists ${admin(name)} with (force)`;
  await admin.end();
}

export { createRedis };
