import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, copyFile, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { closeCore, createCore } from '../src/deps.ts';
import { type Config, ConfigError, loadConfig } from '../src/config.ts';
import { createSql, withDatabase } from '../src/db/client.ts';
import { ensureDatabase, MIGRATIONS_DIR, migrate } from '../src/db/migrate.ts';
import { createLogger } from '../src/log.ts';
import { startNode } from '../src/node.ts';
import { createRedis } from '../src/redis/client.ts';
import { dropDatabase, env, runId, testConfig } from './support/env.ts';
import { addProduct } from './support/fixtures.ts';
import { call, get, newShop } from './support/http.ts';
import { freePort } from './support/redis-server.ts';
import { startOwnService } from './support/service.ts';
import { until } from './support/sockets.ts';


/** An API of this test's own (config overrides, e.g. a small limit and its own Redis prefix), closed after fn. */
async function withOwnApi(overrides: Partial<Config>, fn: (url: string) => Promise<void>): Promise<void> {
  const core = createCore({ ...testConfig(), ...overrides }, createLogger('silent'));
  await core.redis.ping(); // connected: until then the rate limiter lets requests through (rate-limits.ts)
  const node = await startNode(core, { roles: new Set(['api']), port: 0, host: '127.0.0.1' });
  try {
    await fn(`http://127.0.0.1:${node.port}`);
  } finally {
    await node.stop(500);
    await closeCore(core);
  }
}

/** Resolves once a redis-server on `port` answers PING. */
async function redisAnswers(port: number): Promise<void> {
  const probe = createRedis(`redis://127.0.0.1:${port}`, { name: 'tajir-test-probe', maxRetriesPerRequest: 1 });
  try {
    await until(() => probe.ping().then((r) => r === 'PONG', () => false), 10_000, `redis-server on ${port}`);
  } finally {
    probe.disconnect();
  }
}

describe('operations', () => {
  it('GET /healthz and /readyz answer 200', async () => {
    assert.equal((await get('/healthz')).status, 200);
    const r = await get('/readyz');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.checks, { postgres: 'ok', redis: 'ok' });
  });

  it('GET /metrics asks for the METRICS_TOKEN bearer when it is set', async function () {
    this.timeout(60_000);
    const token = 'metrics-token-0123456789abcdef';
    const s = await startOwnService('metrics-token', { ROLES: 'api', METRICS_TOKEN: token });
    try {
      const scrape = async (authorization?: string) =>
        (await fetch(`${s.url}/metrics`, { headers: authorization ? { authorization } : {} })).status;
      assert.equal(await scrape(), 401);
      assert.equal(await scrape('Bearer wrong-token-wrong-token-0000'), 401);
      assert.equal(await scrape(`Bearer ${token}`), 200);
    } finally {
      s.child.kill('SIGKILL');
    }
    assert.throws(() => loadConfig({ METRICS_TOKEN: 'short' }), /METRICS_TOKEN/);
  });

  it('GET /metrics counts requests by route pattern', async () => {
    const s = await newShop();
    await get('/api/auth/me', s.token);
    const r = await get('/metrics');
    assert.equal(r.status, 200);
    assert.match(r.body, /http_requests_total\{method="GET",route="\/api\/auth\/me",status="200"\}/);
    assert.match(r.body, /http_request_duration_seconds_bucket/);
  });

  it('GET /openapi.json lists every mounted route', async () => {
    const r = await get('/openapi.json');
    assert.equal(r.status, 200);
    assert.equal(r.body.openapi, '3.1.0');
    const { allRoutes } = await import('../src/rest/routes/index.ts');
    for (const route of allRoutes()) {
      const p = route.path.replace(/:([A-Za-z_]+)/g, '{$1}');
      assert.ok(r.body.paths[p]?.[route.method], `${route.method} ${p} missing from openapi`);
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await get('/api/nothing-here');
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'route_not_found');
  });

  it('refuses an oversized body with 413 and malformed JSON with 400', async () => {
    const big = JSON.stringify({ email: 'a@b.co', password: 'x'.repeat(env().config.bodyLimitBytes) });
    const r = await call('POST', '/api/auth/login', { raw: big, headers: { 'content-type': 'application/json' } });
    assert.equal(r.status, 413);
    assert.equal(r.body.error.code, 'payload_too_large');
    const m = await call('POST', '/api/auth/login', { raw: '{"email": ', headers: { 'content-type': 'application/json' } });
    assert.equal(m.status, 400);
    assert.equal(m.body.error.code, 'malformed_json');
  });

  it('limits requests per token (429 with Retry-After), counted in Redis', async () => {
    const s = await newShop();
    await withOwnApi({ tokenLimitPerMinute: 3, redisPrefix: `${env().config.redisPrefix}limits:` }, async (url) => {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let i = 0; i < 4; i++) {
        last = await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${s.token}` } });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      assert.ok(Number(last!.headers.get('retry-after')) > 0, "Number(last!.headers.get('retry-after')) > 0");
      assert.equal(((await last!.json()) as any).error.code, 'rate_limited');
      // another token is not affected
      const other = await fetch(`${url}/api/auth/me`, { headers: { authorization: `Bearer ${s.manager}` } });
      assert.equal(other.status, 200);
    });
  });

  it('a bill over the token limit is refused with 429 and writes nothing, though its read ran beside the limit (issue 20)', async () => {
    const s = await newShop();
    const product = await addProduct(s.shopId, 'Kandura', 150);
    await withOwnApi({ tokenLimitPerMinute: 2, redisPrefix: `${env().config.redisPrefix}bill-limits:` }, async (url) => {
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const r = await fetch(`${url}/api/bills`, {
          method: 'POST',
          headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json', 'idempotency-key': `limited-${i}` },
          body: JSON.stringify({ items: [{ product_id: product, quantity: 1 }], customer: { phone: `+97150777000${i}`, name: 'Limited' } }),
        });
        statuses.push(r.status);
      }
      assert.deepEqual(statuses, [201, 201, 429]);
      const [n] = await env().sql<{ bills: number; keys: number; customers: number }[]>`
        select (select count(*)::int from bills where shop_id = ${s.shopId}) as bills,
          (select count(*)::int from idempotency_keys where shop_id = ${s.shopId}) as keys,
          (select count(*)::int from customers where shop_id = ${s.shopId}) as customers`;
      assert.deepEqual(n, { bills: 2, keys: 2, customers: 2 });
    });
  });

  it('limits login attempts per IP whatever the email (429), counted in Redis', async () => {
    await withOwnApi({ loginLimitPerIp: 4, redisPrefix: `${env().config.redisPrefix}login-ip:` }, async (url) => {
      const statuses: number[] = [];
      let last: Response | undefined;
      // a different email each time: the per-email limit never trips, the per-IP one does
      for (let i = 0; i < 5; i++) {
        last = await fetch(`${url}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email: `spray-${i}@test.tajir`, password: 'guess-guess' }),
        });
        statuses.push(last.status);
      }
      assert.deepEqual(statuses, [401, 401, 401, 401, 429]);
      assert.ok(Number(last!.headers.get('retry-after')) > 0, "Number(last!.headers.get('retry-after')) > 0");
      assert.equal(((await last!.json()) as any).error.code, 'rate_limited');
    });
  });

  it('logs routes, codes and ids, never customer data, credentials or query strings', async function () {
    this.timeout(60_000);
    const service = await startOwnService('logs', { ROLES: 'api', LOG_LEVEL: 'debug' });
    try {
      const s = await newShop();
      const url = service.url;
      const send = (method: string, path: string, body?: unknown, token?: string) =>
        fetch(url + path, { method, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: body === undefined ? undefined : JSON.stringify(body) });
      const secretName = 'Zubaida Qasimi';
      const c = await send('POST', '/api/customers', { name: secretName, phone: '0507654321', email: 'zubaida@private.test' }, s.cashier);
      assert.equal(c.status, 201);
      await send('POST', '/api/customers', { name: secretName, phone: '0507654321' }, s.cashier); // 409
      await send('GET', '/api/customers?search=0507654321', undefined, s.cashier);
      await send('POST', '/api/auth/login', { email: 'zubaida@private.test', password: 'hunter2-secret' }); // 401
      await send('POST', '/api/customers', { name: 'x', phone: 'not a phone at all' }, s.cashier); // 400
      // the four /api/customers requests are logged (pino writes asynchronously)
      await until(() => service.output().split('"route":"/api/customers"').length > 4, 10_000, 'the request logs');
      const logs = service.output();
      assert.match(logs, /"route":"\/api\/customers"/, 'requests are logged at debug');
      for (const secret of [secretName, '507654321', 'zubaida@private.test', 'hunter2-secret', s.cashier, 'not a phone']) {
        assert.ok(!logs.includes(secret), `the log holds ${secret.slice(0, 20)}`);
      }
    } finally {
      await service.stop();
    }
  });

  it('readyz answers 503 when Redis stops', async function () {
    this.timeout(20_000);
    const port = await freePort();
    const redis: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    try {
      await redisAnswers(port);
      const config = { ...testConfig(), redisUrl: `redis://127.0.0.1:${port}` };
      const core = createCore(config, createLogger('silent'));
      const node = await startNode(core, { roles: new Set(['api']), port: 0, host: '127.0.0.1' });
      const readyz = () => fetch(`http://127.0.0.1:${node.port}/readyz`);
      try {
        assert.equal((await readyz()).status, 200);
        redis.kill('SIGKILL');
        let down: any;
        await until(async () => {
          const r = await readyz();
          down = { status: r.status, body: await r.json() };
          return r.status !== 200;
        }, 10_000, 'readyz to notice');
        assert.equal(down.status, 503);
        assert.equal(down.body.checks.redis, 'down');
      } finally {
        await node.stop(500);
        core.redis.disconnect();
        await core.sql.end();
      }
    } finally {
      redis.kill('SIGKILL');
    }
  });

  it('migrations refuse an applied file that was edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tajir-mig-'));
    for (const f of await readdir(MIGRATIONS_DIR)) await copyFile(join(MIGRATIONS_DIR, f), join(dir, f));
    const url = withDatabase(env().config.databaseUrl, `tajir_test_${runId()}_mig`);
    await ensureDatabase(url);
    const sql = createSql(url, { max: 1 });
    try {
      assert.ok((await migrate(sql, dir)).length > 0, "(await migrate(sql, dir)).length > 0");
      assert.deepEqual(await migrate(sql, dir), []);
      await writeFile(join(dir, '9999_extra.sql'), 'create table extra_thing (id int);\n');
      assert.deepEqual(await migrate(sql, dir), [9999]);
      await appendFile(join(dir, '0001_tenancy_and_people.sql'), '\n-- sneaky edit\n');
      await assert.rejects(migrate(sql, dir), /was edited after it ran/);
    } finally {
      await sql.end();
      await dropDatabase(url);
    }
  });

  it('a wrong configuration value names the variable', () => {
    assert.throws(() => loadConfig({ PORT: 'abc' }), (e: unknown) => e instanceof ConfigError && e.variable === 'PORT');
    assert.throws(() => loadConfig({ DATABASE_URL: 'mysql://x' }), /DATABASE_URL/);
    assert.throws(() => loadConfig({ ROLES: 'api,cook' }), /ROLES/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'short' }), /JWT_SECRET/);
    const c = loadConfig({});
    assert.equal(c.port, 3000);
    assert.equal(c.roles.size, 4);
    assert.equal(c.jwtSecret, undefined, 'no secret in the source: the stored one is used');
    // issue 16: past one machine; unset, everything is as on one machine
    assert.equal(c.redisClusterNodes, undefined);
    assert.equal(c.databaseListenUrl, c.databaseUrl);
    assert.equal(c.databaseTransactionPooling, false);
    assert.equal(c.reportsDatabaseUrl, undefined);
    assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000,nope' }), /REDIS_CLUSTER_NODES/);
    assert.throws(() => loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:70000' }), /REDIS_CLUSTER_NODES/);
    assert.throws(() => loadConfig({ REPORTS_DATABASE_URL: 'http://x' }), /REPORTS_DATABASE_URL/);
    assert.throws(() => loadConfig({ DATABASE_TRANSACTION_POOLING: 'maybe' }), /DATABASE_TRANSACTION_POOLING/);
    const scaled = loadConfig({ REDIS_CLUSTER_NODES: ' 10.0.0.1:7000, redis-2:7001 ,[::1]:7002', DATABASE_URL: 'postgres://pgbouncer:6432/tajir', DATABASE_LISTEN_URL: 'postgres://db:5432/tajir' });
    assert.deepEqual(scaled.redisClusterNodes, ['10.0.0.1:7000', 'redis-2:7001', '[::1]:7002']);
    assert.equal(scaled.databaseListenUrl, 'postgres://db:5432/tajir');
    // a database given by a caller (a test, a CLI) moves the direct connection with it
    assert.equal(loadConfig({}, { databaseUrl: 'postgres://h/x' }).databaseListenUrl, 'postgres://h/x');
  });

  it('the service starts, serves, and on SIGTERM refuses new connections, answers the request in flight and exits 0', async function () {
    this.timeout(60_000);
    const port = await freePort();
    const dbUrl = withDatabase(env().config.databaseUrl, `tajir_test_${runId()}_main`);
    const child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
      env: { ...process.env, DATABASE_URL: dbUrl, PORT: String(port), REDIS_PREFIX: `${env().config.redisPrefix}main:`, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    try {
      const deadline = Date.now() + 40_000;
      while (!out.includes('Dashboard:') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.match(out, /Dashboard: http:\/\/localhost:\d+\//);
      // the demo password is random per database, printed at start
      const demoPassword = /Demo login: demo@tajir\.local \/ (\S+)/.exec(out)?.[1];
      assert.ok(demoPassword && demoPassword !== 'demo-pass-123', out);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      assert.equal(ready.status, 200);
      const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
        method: 'POST',
        body: JSON.stringify({ email: 'demo@tajir.local', password: demoPassword }),
      });
      assert.equal(login.status, 200);
      // signed with the install's stored random secret (JWT_SECRET is unset here): it works
      const { token } = (await login.json()) as { token: string };
      assert.equal((await fetch(`http://127.0.0.1:${port}/api/auth/me`, { headers: { authorization: `Bearer ${token}` } })).status, 200);
      // a login whose body is still arriving when SIGTERM comes: it is answered, not cut off
      const body = JSON.stringify({ email: 'demo@tajir.local', password: demoPassword });
      const slow = request(`http://127.0.0.1:${port}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      const answered = new Promise<number>((resolve, reject) => {
        slow.on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        slow.on('error', reject);
      });
      slow.write(body.slice(0, 10));
      await new Promise((r) => setTimeout(r, 200)); // the request has reached the handler
      const started = Date.now();
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      // the port stops taking new connections (polled: the signal takes a moment to arrive)
      const refused = () =>
        new Promise<boolean>((resolve) =>
          request(`http://127.0.0.1:${port}/healthz`, { agent: false }, (res) => {
            res.resume();
            resolve(false);
          })
            .on('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'))
            .end(),
        );
      await until(refused, 5000, 'the port to refuse new connections');
      slow.end(body.slice(10));
      assert.equal(await answered, 200);
      const code = await exited;
      assert.equal(code, 0, out);
      assert.ok(Date.now() - started < 10_000, "Date.now() - started < 10_000");
    } finally {
      child.kill('SIGKILL');
      await dropDatabase(dbUrl);
    }
  });

  it('a client that leaves mid-upload is forgotten: the server serves on and shutdown does not wait for it', async function () {
    this.timeout(30_000);
    const service = await startOwnService('abort', { ROLES: 'api' });
    const { port } = service;
    try {
      const { connect } = await import('node:net');
      const sock = connect(port, '127.0.0.1');
      await new Promise((r) => sock.once('connect', r));
      sock.write('POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"email":');
      await new Promise((r) => setTimeout(r, 200));
      sock.destroy(); // gone with 990 bytes unsent
      assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
      const started = Date.now();
      assert.equal(await service.stop(), 0);
      assert.ok(Date.now() - started < 3000, `shutdown took ${Date.now() - started} ms: it waited for the aborted request`);
    } finally {
      service.child.kill('SIGKILL');
    }
  });

  it('prints one line and exits 2 when Postgres is unreachable', async function () {
    this.timeout(20_000);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
      env: { ...process.env, DATABASE_URL: `postgres://127.0.0.1:${port}/tajir`, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve)); // stderr read to its end
    assert.equal(code, 2);
    assert.match(err, /^tajir: PostgreSQL is not answering at 127\.0\.0\.1:\d+ .*pg_ctlcluster/);
    assert.equal(err.trim().split('\n').length, 1);
  });

  it('prints one line and exits 2 when Redis is unreachable', async function () {
    this.timeout(20_000);
    const port = await freePort();
    const child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
      env: { ...process.env, DATABASE_URL: env().config.databaseUrl, REDIS_URL: `redis://127.0.0.1:${port}`, PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve)); // stderr read to its end
    assert.equal(code, 2, err);
    assert.match(err, /^tajir: Redis is not answering at 127\.0\.0\.1:\d+.*redis-server/);
    assert.equal(err.trim().split('\n').length, 1);
  });
});

