/**
 * Issue 13, item 4: while PostgreSQL or Redis is unreachable every route class answers within
 * 2 s (503 dependency_unavailable, or what it can serve without it), /readyz names the one that
 * is down, and everything works again within 2 s of its return, with no restart. The service runs
 * as a child process on a private PostgreSQL cluster and a private redis-server, so stopping them
 * disturbs no other test run.
 */
import assert from 'node:assert/strict';
import { type PgCluster, startPgCluster } from './support/pg-cluster.ts';
import { type RedisServer, startRedisServer } from './support/redis-server.ts';
import { type Remote, type RemoteShop, remote, remoteShop } from './support/remote.ts';
import { type Service, startOwnService } from './support/service.ts';
import { type ClientSocket, openSocket, until } from './support/sockets.ts';

const BUDGET_MS = 2000;

interface Probe {
  what: string;
  status: number | string;
  code?: string;
  ms: number;
}

describe('dependencies down (issue 13)', function () {
  this.timeout(180_000);
  let cluster: PgCluster;
  let redis: RedisServer;
  let service: Service;
  let api: Remote;
  let shop: RemoteShop;
  let manager: ClientSocket;

  before(async () => {
    [cluster, redis] = await Promise.all([startPgCluster(), startRedisServer()]);
    const s = await startOwnService('deps', { DATABASE_URL: cluster.url('tajir'), REDIS_URL: redis.url });
    service = s;
    api = remote(s.url);
    shop = await remoteShop(api, 'deps');
    manager = openSocket(shop.token, s.url);
    await new Promise<void>((resolve, reject) => {
      manager.once('connect', () => resolve());
      manager.once('connect_error', reject);
    });
  });

  after(async () => {
    manager?.disconnect();
    await service?.stop();
    redis?.stop();
    await cluster?.destroy();
  });

  /** One request of every route class, each timed. */
  async function probeAll(): Promise<Probe[]> {
    const http = async (what: string, method: string, path: string, body?: unknown, token?: string, headers?: Record<string, string>): Promise<Probe> => {
      const r = await api.call(method, path, { body, token, headers, timeoutMs: 5000 });
      return { what, status: r.status, code: r.body?.error?.code, ms: r.ms };
    };
    const handshake = async (): Promise<Probe> => {
      const started = performance.now();
      const s = openSocket(shop.token, api.url, { reconnection: false });
      const outcome = await new Promise<{ status: string; code?: string }>((resolve) => {
        const t = setTimeout(() => resolve({ status: 'no answer' }), 5000);
        s.once('connect', () => {
          clearTimeout(t);
          resolve({ status: 'connected' });
        });
        s.once('connect_error', (err: Error & { data?: { code?: string } }) => {
          clearTimeout(t);
          resolve({ status: 'connect_error', code: err.data?.code ?? err.message });
        });
      });
      s.disconnect();
      return { what: 'socket handshake', ...outcome, ms: performance.now() - started };
    };
    const sync = async (): Promise<Probe> => {
      const started = performance.now();
      const reply = await new Promise<any>((resolve) => {
        const t = setTimeout(() => resolve({ status: 'no answer' }), 5000);
        manager.emit('dashboard:sync', (r: any) => {
          clearTimeout(t);
          resolve(r);
        });
      });
      return {
        what: 'dashboard:sync',
        status: reply?.dashboard ? 'dashboard' : reply?.error ? 'error' : String(reply?.status),
        code: reply?.error?.code,
        ms: performance.now() - started,
      };
    };
    return Promise.all([
      http('login', 'POST', '/api/auth/login', { email: shop.email, password: shop.password }),
      http('signup', 'POST', '/api/auth/signup', { shop_name: 'X', email: `x-${Date.now()}@test.tajir`, password: 'correct-horse-1' }),
      http('write', 'POST', '/api/bills', { items: [{ product_id: shop.productId, quantity: 1 }] }, shop.token, { 'idempotency-key': crypto.randomUUID() }),
      http('read', 'GET', '/api/bills?per_page=5', undefined, shop.token),
      http('dashboard', 'GET', '/api/dashboard', undefined, shop.token),
      http('readyz', 'GET', '/readyz'),
      handshake(),
      sync(),
    ]);
  }

  function assertDegraded(probes: Probe[], dependency: string): void {
    const table = JSON.stringify(probes, null, 1);
    for (const p of probes) {
      assert.ok(p.ms < BUDGET_MS, `${p.what} took ${Math.round(p.ms)} ms with ${dependency} down:\n${table}`);
      assert.notEqual(p.status, 0, `${p.what} got no answer:\n${table}`);
      assert.notEqual(p.status, 'no answer', `${p.what} got no answer:\n${table}`);
      assert.ok(p.status !== 500, `${p.what}: ${p.status} ${p.code}\n${table}`);
      if (p.status === 'connect_error') assert.ok(['unavailable', 'dependency_unavailable'].includes(p.code!), `${p.what}:\n${table}`);
      if (p.status === 503 && p.what !== 'readyz') assert.equal(p.code, 'dependency_unavailable', `${p.what}:\n${table}`);
      // a socket's error ack keeps realtime/server.ts's code
      if (p.status === 'error') assert.ok(['unavailable', 'dependency_unavailable'].includes(p.code!), `${p.what}:\n${table}`);
    }
  }

  /** Waits until every probe succeeds; returns how long that took. */
  async function recovered(): Promise<number> {
    const started = performance.now();
    for (;;) {
      const probes = await probeAll();
      const ok = probes.every((p) => [200, 201, 'connected', 'dashboard'].includes(p.status as never));
      if (ok) return performance.now() - started;
      if (performance.now() - started > 15_000) assert.fail(`not recovered after 15 s:\n${JSON.stringify(probes, null, 1)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('answers every route class within 2 s while Redis is down, and heals within 2 s of its return', async () => {
    assert.ok((await recovered()) < BUDGET_MS);
    redis.stop();
    await until(async () => (await api.call('GET', '/readyz')).body?.checks?.redis === 'down', 5000, 'the service to see Redis gone');
    const probes = await probeAll();
    assertDegraded(probes, 'redis');
    const byWhat = Object.fromEntries(probes.map((p) => [p.what, p]));
    // the login and signup limits fail closed; the per-token limit fails open
    assert.equal(byWhat.login!.code, 'dependency_unavailable');
    assert.equal(byWhat.signup!.code, 'dependency_unavailable');
    assert.equal(byWhat.read!.status, 200);
    assert.equal(byWhat.readyz!.status, 503);
    assert.equal(service.child.exitCode, null);
    const ready = await api.call('GET', '/readyz');
    assert.deepEqual(ready.body.checks, { postgres: 'ok', redis: 'down' });

    redis = await startRedisServer(redis.port);
    const healed = await recovered();
    assert.ok(healed < BUDGET_MS, `recovery took ${Math.round(healed)} ms after Redis returned`);
  });

  it('answers every route class within 2 s while PostgreSQL is down, and heals within 2 s of its return', async () => {
    await cluster.stop();
    const probes = await probeAll();
    assertDegraded(probes, 'postgres');
    const byWhat = Object.fromEntries(probes.map((p) => [p.what, p]));
    assert.equal(byWhat.write!.code, 'dependency_unavailable');
    assert.equal(byWhat.login!.code, 'dependency_unavailable');
    assert.equal(byWhat.readyz!.status, 503);
    const ready = await api.call('GET', '/readyz');
    assert.deepEqual(ready.body.checks, { postgres: 'down', redis: 'ok' });
    // a second round, once every pooled connection has noticed
    await new Promise((r) => setTimeout(r, 1000));
    assertDegraded(await probeAll(), 'postgres');
    assert.equal(service.child.exitCode, null);

    await cluster.start();
    const healed = await recovered();
    assert.ok(healed < BUDGET_MS, `recovery took ${Math.round(healed)} ms after PostgreSQL returned`);
  });
});
