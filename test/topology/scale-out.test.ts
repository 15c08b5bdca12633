/**
 * Issue 16, item 5: the service past one machine, on the engines operators run, all started here
 * from Debian's packages and torn down after:
 * - a Redis Cluster of 3 masters and 3 replicas (REDIS_CLUSTER_NODES);
 * - PgBouncer in transaction pooling mode in front of a private PostgreSQL (DATABASE_URL, with
 *   DATABASE_TRANSACTION_POOLING; LISTEN and migrations on DATABASE_LISTEN_URL, direct);
 * - a streaming replica made with pg_basebackup (REPORTS_DATABASE_URL);
 * - two service nodes with every role.
 * Bills flow on both nodes with manager sockets on both; mid-flow a Redis master is killed (its
 * replica takes over, possibly behind: replication is asynchronous), PgBouncer is restarted
 * (every client connection cut), and another master is failed over by hand (CLUSTER FAILOVER). Then: nothing acknowledged is lost, `aggregates verify` exits 0,
 * every socket's dashboard converges, and a report built from the replica counts every bill
 * committed before it was asked for. Run with `npm run test:topology` (not in `npm test`).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { type PgBouncer, startPgBouncer } from '../support/pgbouncer.ts';
import { type PgCluster, startPgCluster, startStandby } from '../support/pg-cluster.ts';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts';
import { freePort } from '../support/redis-server.ts';
import { type Ack, postBillWithRetries, type Remote, type RemoteShop, remote, remoteShop } from '../support/remote.ts';
import { type Service, spawnService } from '../support/service.ts';
import { type ClientSocket, openSocket, until } from '../support/sockets.ts';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A manager's dashboard the way API.md tells a client to keep it (as in the chaos test). */
class Follower {
  seq: number | null = null;
  bills = new Set<number>();
  /** What this socket saw lately (connects, updates, syncs), for the message of a failed check. */
  readonly seen: string[] = [];
  private note(what: string): void {
    this.seen.push(`${new Date().toISOString().slice(11, 23)} ${what}`);
    if (this.seen.length > 25) this.seen.shift();
  }
  constructor(
    readonly shopId: number,
    readonly socket: ClientSocket,
  ) {
    socket.on('connect', () => {
      this.note('connect');
      void this.sync();
    });
    socket.on('disconnect', (reason) => this.note(`disconnect (${reason})`));
    // a handshake the server refused (its auth lookup failed while PgBouncer restarted) is not
    // retried by socket.io-client: a client tries again itself, as it would after any refusal
    socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
      this.note(`connect_error ${err.data?.code ?? err.message}`);
      if (!socket.active) setTimeout(() => socket.connect(), 500);
    });
    socket.on('dashboard:update', (m: { seq: number; prev_seq: number | null }) => {
      this.note(`update ${m.prev_seq} -> ${m.seq}`);
      if (this.seq !== null && m.seq <= this.seq) return;
      if (this.seq !== null && m.prev_seq === this.seq) this.seq = m.seq;
      else void this.sync();
    });
    socket.on('bill:created', (m: { bill: { id: number } }) => this.bills.add(m.bill.id));
  }
  async sync(): Promise<void> {
    for (let i = 0; i < 50 && this.socket.connected; i++) {
      const r: any = await new Promise((resolve) => this.socket.timeout(3000).emit('dashboard:sync', (err: unknown, reply: unknown) => resolve(err ? undefined : reply)));
      this.note(r?.dashboard ? `synced ${r.seq}` : `sync failed ${r?.error?.code ?? 'timeout'}`);
      if (r?.dashboard) {
        if (this.seq === null || r.seq >= this.seq) this.seq = r.seq;
        return;
      }
      await sleep(250);
    }
  }
}

describe('scale-out topology (issue 16)', function () {
  this.timeout(400_000);
  let primary: PgCluster;
  let standby: PgCluster;
  let bouncer: PgBouncer;
  let redis: RedisCluster;
  const nodes: { service: Service; port: number }[] = [];
  let vars: Record<string, string>;

  // killed by a signal (a CI timeout, ^C), the test still takes down what it started
  const teardownNow = () => {
    for (const n of nodes) n.service.child.kill('SIGKILL');
    redis?.destroySync();
    bouncer?.destroySync();
    standby?.destroySync();
    primary?.destroySync();
    process.exit(130);
  };

  before(async () => {
    process.once('SIGTERM', teardownNow).once('SIGINT', teardownNow);
    [primary, redis] = await Promise.all([startPgCluster(), startRedisCluster(3)]);
    await postgres(primary.url('postgres'), { max: 1, onnotice: () => {} })`create database tajir`.catch(() => {});
    [bouncer, standby] = await Promise.all([startPgBouncer(primary.port), startStandby(primary)]);
    vars = {
      DATABASE_URL: bouncer.url('tajir'),
      DATABASE_TRANSACTION_POOLING: 'true',
      DATABASE_LISTEN_URL: primary.url('tajir'),
      REPORTS_DATABASE_URL: standby.url('tajir'),
      REDIS_CLUSTER_NODES: redis.seeds.join(','),
      REDIS_URL: 'redis://127.0.0.1:1',
      REDIS_PREFIX: `tajirtopo:${randomBytes(3).toString('hex')}:`,
      JWT_SECRET: 'topology-secret-topology-secret-topology-0',
      SEED_DEMO: 'false',
      TOKEN_LIMIT_PER_MINUTE: '1000000',
      SOCKET_HANDSHAKES_PER_IP: '100000',
      LOGIN_LIMIT_PER_IP: '100000',
      REPLICA_WAIT_MS: '2000',
      REPORTS_DIR: `/tmp/tajir-topology-reports-${randomBytes(3).toString('hex')}`,
    };
    // one at a time: both would migrate, and the first creates the schema
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      const service = spawnService({ ...vars, PORT: String(port), ROLES: 'api,realtime,aggregator,worker' });
      nodes.push({ service, port });
      // generous: on a loaded 2-core machine tsx and the migrations alone have taken over a minute
      await service.ready(150_000);
    }
  });

  after(async () => {
    process.off('SIGTERM', teardownNow).off('SIGINT', teardownNow);
    for (const n of nodes) await n.service.stop();
    await Promise.allSettled([redis?.destroy(), bouncer?.destroy(), standby?.destroy()]);
    await primary?.destroy();
  });

  it('loses nothing acknowledged and converges across Redis failovers and a PgBouncer restart', async () => {
    const apis: Remote[] = nodes.map((n) => remote(`http://127.0.0.1:${n.port}`));
    const shops: RemoteShop[] = [];
    for (let i = 0; i < 4; i++) shops.push(await remoteShop(apis[i % 2]!, `topo${i}`));
    const followers: Follower[] = [];
    for (const shop of shops) {
      for (const n of nodes) followers.push(new Follower(shop.shopId, openSocket(shop.token, `http://127.0.0.1:${n.port}`, { reconnectionDelayMax: 1000 })));
    }
    await until(() => followers.every((f) => f.socket.connected && f.seq !== null), 20_000, 'every manager socket to connect and sync');

    // a recurring expense due today: the minute tick (a BullMQ job scheduler) turns it into an expense
    const tickShop = shops[3]!;
    const category = (await apis[0]!.call('GET', '/api/expense-categories', { token: tickShop.token })).body.items[0];
    const today = new Date().toISOString().slice(0, 10);
    const recurring = await apis[0]!.call('POST', '/api/recurring-expenses', { token: tickShop.token, body: { category_id: category.id, amount: 7, frequency: 'monthly', start_date: today } });
    assert.equal(recurring.status, 201, JSON.stringify(recurring.body));

    const acks: Ack[] = [];
    let writing = true;
    let n = 0;
    const writerLoop = async () => {
      while (writing) {
        const i = n++;
        const shop = shops[i % 4]!;
        const api = apis[i % 2]!;
        const ack = await postBillWithRetries(api, shop, Date.now() + 60_000).catch(() => undefined);
        if (ack) {
          acks.push(ack);
          if (i % 7 === 0) await api.call('POST', `/api/bills/${ack.id}/payments`, { token: shop.token, body: { amount: 10, method: 'cash' }, headers: { 'idempotency-key': crypto.randomUUID() } });
        }
        await sleep(150);
      }
    };
    const writers = Array.from({ length: 4 }, writerLoop);
    // each phase lasts its time and until bills flow again (a loaded machine makes fewer a second)
    const flowFor = async (ms: number, bills: number, what: string) => {
      const from = acks.length;
      await sleep(ms);
      await until(() => acks.length >= from + bills, 120_000, `${bills} bills acknowledged ${what}`);
    };

    await flowFor(4000, 8, 'before the first fault');
    // 1. the Redis master holding shop 0's keys is killed; its replica takes over
    const master = await redis.masterOf(`${vars.REDIS_PREFIX}{shop:${shops[0]!.shopId}}:meta`);
    await redis.killMaster(master);
    await flowFor(5000, 8, 'after a Redis master was killed');
    // 2. PgBouncer restarted: every client and server connection cut at once
    await bouncer.restart();
    await flowFor(4000, 8, 'after PgBouncer restarted');
    // 3. a manual failover of the master holding shop 1's keys (another shard when it is not the same)
    await redis.failover(await redis.masterOf(`${vars.REDIS_PREFIX}{shop:${shops[1]!.shopId}}:meta`));
    await flowFor(4000, 8, 'after the manual failover');
    await until(() => acks.length > 40, 120_000, 'more than 40 bills acknowledged in all');
    writing = false;
    await Promise.all(writers);
    assert.ok(acks.length > 40, `only ${acks.length} bills went through`);

    for (const node of nodes) assert.equal(node.service.child.exitCode, null, `a node exited:\n${node.service.output().slice(-3000)}`);

    // nothing acknowledged lost or duplicated
    const db = postgres(primary.url('tajir'), { max: 1, onnotice: () => {} });
    try {
      for (const shop of shops) {
        const rows = await db<{ id: string }[]>`select id::text from bills where shop_id = ${shop.shopId}`;
        const ids = new Set(rows.map((r) => Number(r.id)));
        const mine = acks.filter((a) => a.shopId === shop.shopId);
        assert.deepEqual(mine.filter((a) => !ids.has(a.id)), [], `acknowledged bills of shop ${shop.shopId} are missing`);
        assert.equal(new Set(mine.map((a) => a.id)).size, mine.length, 'two keys acknowledged one bill');
      }
    } finally {
      await db.end({ timeout: 1 });
    }

    // aggregates verify, through the same topology
    let verifyOut = '';
    await until(
      async () => {
        try {
          await run(process.execPath, ['--import=tsx', 'src/cli/aggregates.ts', 'verify'], { env: { ...process.env, ...vars, LOG_LEVEL: 'warn' } });
          return true;
        } catch (err) {
          verifyOut = `${(err as { stdout?: string }).stdout ?? ''}${(err as { stderr?: string }).stderr ?? ''}`;
          return false;
        }
      },
      30_000,
      '`aggregates verify` to pass',
    ).catch((err) => {
      throw new Error(`${(err as Error).message}\n${verifyOut.slice(-3000)}`);
    });

    // Redis Pub/Sub delivers at most once: an update lost in a failover leaves a socket one update
    // behind until the next one, whose prev_seq it then sees skipped (API.md's gap rule) and
    // re-syncs. One more bill per shop is that next update.
    for (const shop of shops) {
      const ack = await postBillWithRetries(apis[0]!, shop, Date.now() + 30_000);
      assert.ok(ack, `a bill after the failovers for shop ${shop.shopId}`);
      acks.push(ack);
    }

    // every socket converges to the REST dashboard
    let behind = '';
    let lagging: Follower[] = [];
    await until(
      async () => {
        behind = '';
        lagging = [];
        for (const [i, f] of followers.entries()) {
          const shop = shops.find((s) => s.shopId === f.shopId)!;
          const d = await apis[0]!.call('GET', '/api/dashboard', { token: shop.token });
          if (d.status !== 200 || f.seq !== d.body.seq) {
            behind += ` shop ${f.shopId} on node ${i % 2}: socket ${f.seq}${f.socket.connected ? '' : ' (disconnected)'}, REST ${d.status === 200 ? d.body.seq : d.status};`;
            lagging.push(f);
          }
        }
        return behind === '';
      },
      30_000,
      'every socket to converge to the REST dashboard',
    ).catch((err) => {
      const seen = lagging.map((f) => `\n  shop ${f.shopId}'s socket saw last:\n    ${f.seen.join('\n    ')}`).join('');
      throw new Error(`${(err as Error).message}:${behind}${seen}`);
    });
    const missingFromFeed = acks.filter((a) => !followers.some((f) => f.shopId === a.shopId && f.bills.has(a.id)));
    process.stdout.write(`      ${acks.length} bills acknowledged; ${missingFromFeed.length} never on their shop's feed\n`);
    assert.deepEqual(missingFromFeed.map((a) => a.id), [], "acknowledged bills that never reached their shop's feed");

    // a report through the worker, read on the replica: every bill committed before the request
    const shop = shops[1]!;
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const asked = await apis[1]!.call('POST', '/api/reports', { token: shop.token, body: { type: 'invoices', from: day(-2), to: day(2), format: 'csv' } });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    let report: any;
    await until(
      async () => {
        report = (await apis[0]!.call('GET', `/api/reports/${asked.body.id}`, { token: shop.token })).body;
        return report.status === 'done' || report.status === 'failed';
      },
      60_000,
      'the report to be built',
    );
    assert.equal(report.status, 'done', JSON.stringify(report));
    const billsOfShop = acks.filter((a) => a.shopId === shop.shopId).length;
    assert.ok(report.rows >= billsOfShop, `the report counts ${report.rows} rows, ${billsOfShop} bills were acknowledged`);
    assert.equal(report.read_from, 'replica', 'the report was read on the caught-up replica');

    // financial insights read their SQL parts on the replica too
    const insights = await apis[0]!.call('GET', '/api/financial-insights?days=7', { token: shop.token });
    assert.equal(insights.status, 200, JSON.stringify(insights.body));

    // a replica that stopped replaying: the report waits REPLICA_WAIT_MS, then reads the primary
    // and still counts the bill committed just before it was asked for; /metrics shows the lag
    const standbySql = postgres(standby.url('tajir'), { max: 1, onnotice: () => {} });
    try {
      await standbySql`select pg_wal_replay_pause()`;
      const late = await postBillWithRetries(apis[0]!, shop, Date.now() + 30_000);
      assert.ok(late, 'a bill while the replica is paused');
      const again = await apis[0]!.call('POST', '/api/reports', { token: shop.token, body: { type: 'invoices', from: day(-2), to: day(2), format: 'csv' } });
      assert.equal(again.status, 202, JSON.stringify(again.body));
      await until(async () => /^tajir_replica_lag_bytes [1-9]/m.test(String((await apis[0]!.call('GET', '/metrics')).body ?? '')), 10_000, '/metrics to show the lag');
      await until(
        async () => {
          report = (await apis[0]!.call('GET', `/api/reports/${again.body.id}`, { token: shop.token })).body;
          return report.status === 'done' || report.status === 'failed';
        },
        60_000,
        'the second report to be built',
      );
      assert.equal(report.status, 'done', JSON.stringify(report));
      assert.equal(report.read_from, 'primary', 'a replica behind the request is not read');
      assert.ok(report.rows >= billsOfShop + 1, `the report counts ${report.rows} rows, ${billsOfShop + 1} bills were acknowledged`);
    } finally {
      await standbySql`select pg_wal_replay_resume()`.catch(() => {});
      await standbySql.end({ timeout: 1 });
    }

    // the minute tick ran on one of the nodes and made the recurring expense
    await until(
      async () => ((await apis[1]!.call('GET', '/api/expenses', { token: tickShop.token })).body.items ?? []).some((e: { amount: number }) => e.amount === 7),
      90_000,
      'the minute tick to make the recurring expense',
    );
    for (const f of followers) f.socket.disconnect();
  });
});
