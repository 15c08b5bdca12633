/**
 * Issue 13, item 1: a node must survive its database connections being dropped under write load
 * (postgres.js 3.4.9 used to crash the process from a timer: see patches/postgres+3.4.9.patch), and
 * every acknowledged bill must be in the database afterwards. The service runs as a child process
 * on a private PostgreSQL cluster, so restarting it disturbs no other test run.
 */
import assert from 'node:assert/strict';
import postgres from 'postgres';
import { env } from './support/env.ts';
import { type PgCluster, startPgCluster } from './support/pg-cluster.ts';
import { type Ack, postBillWithRetries, type Remote, type RemoteShop, remote, remoteShop } from './support/remote.ts';
import { type Service, startOwnService } from './support/service.ts';
import { until } from './support/sockets.ts';

describe('dropped database connections (issue 13)', function () {
  this.timeout(120_000);
  let cluster: PgCluster;
  let service: Service;
  let api: Remote;
  let shop: RemoteShop;
  let admin: postgres.Sql;

  before(async () => {
    cluster = await startPgCluster();
    const s = await startOwnService('pgfaults', { DATABASE_URL: cluster.url('tajir'), DB_POOL_SIZE: '6' });
    service = s;
    api = remote(s.url);
    shop = await remoteShop(api, 'pgfaults');
    admin = postgres(cluster.url('postgres'), { max: 1, onnotice: () => {} });
  });

  after(async () => {
    await service?.stop();
    await admin?.end({ timeout: 1 }).catch(() => {});
    await cluster?.destroy();
  });

  it('stays up and keeps every acknowledged bill while backends are terminated and PostgreSQL restarts', async () => {
    const acks: Ack[] = [];
    let writing = true;
    const writer = async () => {
      while (writing) {
        const ack = await postBillWithRetries(api, shop, Date.now() + 30_000);
        if (ack) acks.push(ack);
      }
    };
    const writers = Array.from({ length: 6 }, writer);
    const terminateAll = () =>
      admin`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where datname = 'tajir' and pid <> pg_backend_pid()`;
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 250));
      await terminateAll();
    }
    await admin.end({ timeout: 1 });
    await cluster.restart();
    admin = postgres(cluster.url('postgres'), { max: 1, onnotice: () => {} });
    // the writers get going again after the restart before they stop
    const acked = acks.length;
    await until(() => acks.length >= acked + 12, 30_000, 'bills acknowledged after the restart');
    writing = false;
    await Promise.all(writers);

    assert.equal(service.child.exitCode, null, `the service exited:\n${service.output()}`);
    assert.doesNotMatch(service.output(), /TypeError|uncaught/i);
    assert.ok(acks.length > 20, `only ${acks.length} bills were acknowledged`);

    const db = postgres(cluster.url('tajir'), { max: 1, onnotice: () => {} });
    try {
      const rows = await db<{ id: string }[]>`select id::text from bills where shop_id = ${shop.shopId}`;
      const stored = new Set(rows.map((r) => Number(r.id)));
      const missing = acks.filter((a) => !stored.has(a.id));
      assert.deepEqual(missing, [], 'acknowledged bills missing from the database');
      assert.equal(new Set(acks.map((a) => a.id)).size, acks.length, 'two keys acknowledged the same bill');
    } finally {
      await db.end({ timeout: 1 });
    }
    // and it still serves after the faults
    const after = await api.call('GET', '/api/bills?per_page=1', { token: shop.token });
    assert.equal(after.status, 200);
  });
});

// keeps the import of env() meaningful for the root hooks' run (prefix and secret)
void env;
