/**
 * Issue 13, item 5: a socket that stops reading must not grow server memory without bound, and
 * must not silently miss messages either (uWS drops past its backpressure limit). A manager
 * socket with the smallest receive buffer the kernel allows (test/support/stalled-socket.py)
 * joins, then never reads again, during a 200-bill burst: server memory stays bounded, and a
 * manager that reads receives every bill. The burst (about 450 KB per manager) fits in the send
 * buffer Linux grows for a loopback socket (up to 4 MiB), so the second test pushes 8 MiB to a
 * stalled manager of the test server to make the server's own buffer pass the cap: the socket
 * is then disconnected, logged and counted.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rooms } from '../src/realtime/contracts.ts';
import { createRoomMeter, EVERYONE } from '../src/realtime/slow-consumers.ts';
import { env } from './support/env.ts';
import { newShop } from './support/http.ts';
import { postBillWithRetries, type Remote, type RemoteShop, remote, remoteShop } from './support/remote.ts';
import { freePort } from './support/redis-server.ts';
import { type Service, spawnService, startOwnService } from './support/service.ts';
import { type ClientSocket, openSocket, until } from './support/sockets.ts';

const CAP = 64 * 1024;

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

describe('slow consumers (issue 13)', function () {
  this.timeout(120_000);
  let service: Service & { url: string; port: number };
  let api: Remote;
  let shop: RemoteShop;
  let reader: ClientSocket;
  let stalled: ChildProcess | undefined;

  before(async () => {
    service = await startOwnService('slow', { SOCKET_BUFFER_CAP_BYTES: String(CAP) });
    api = remote(service.url);
    shop = await remoteShop(api, 'slow');
    reader = openSocket(shop.token, service.url);
    await until(() => reader.connected, 10_000, 'the reading manager to connect');
  });

  after(async () => {
    stalled?.kill('SIGKILL');
    reader?.disconnect();
    await service?.stop();
  });

  it('keeps server memory bounded while a manager stops reading during a 200-bill burst', async () => {
    const created = new Set<number>();
    reader.on('bill:created', (m: { bill: { id: number } }) => created.add(m.bill.id));
    stalled = spawn('python3', ['test/support/stalled-socket.py', '127.0.0.1', String(service.port), shop.token], { stdio: ['ignore', 'pipe', 'pipe'] });
    let said = '';
    stalled.stdout!.on('data', (d) => (said += d));
    stalled.stderr!.on('data', (d) => (said += d));
    await until(() => said.includes('connected'), 10_000, `the stalled manager to connect: ${said}`);

    const rssBefore = rssBytes(service.child.pid!);
    let rssPeak = rssBefore;
    const sampler = setInterval(() => {
      rssPeak = Math.max(rssPeak, rssBytes(service.child.pid!));
    }, 100);
    const giveUp = Date.now() + 60_000;
    const acks = [];
    for (let i = 0; i < 200; i += 10) {
      acks.push(...(await Promise.all(Array.from({ length: 10 }, () => postBillWithRetries(api, shop, giveUp)))));
    }
    await until(() => created.size >= 200, 30_000, 'every bill:created on the reading manager');
    clearInterval(sampler);
    const metrics = await api.call('GET', '/metrics');
    const count = Number(/tajir_socket_slow_consumer_disconnects_total (\d+)/.exec(metrics.body)?.[1] ?? 0);
    const rssAfter = rssBytes(service.child.pid!);
    process.stdout.write(
      `      server RSS: ${(rssBefore / 2 ** 20).toFixed(1)} MiB before, ${(rssPeak / 2 ** 20).toFixed(1)} MiB peak, ${(rssAfter / 2 ** 20).toFixed(1)} MiB after the burst; slow consumers disconnected: ${count}\n`,
    );
    assert.equal(acks.filter(Boolean).length, 200);
    // disconnected if the kernel's buffers did not absorb the burst; then also logged
    if (count > 0) assert.match(service.output(), /slow consumer/, 'a disconnected slow consumer is logged');
    assert.ok(rssPeak - rssBefore < 64 * 2 ** 20, 'server memory grew by more than 64 MiB during the burst');
    assert.equal(service.child.exitCode, null);
  });

  it('disconnects a stalled socket fed only by broadcasts from another node (counted per room as they arrive)', async () => {
    // a second node in the test node's cluster (its Redis prefix), with a 64 KiB cap: the stalled
    // manager is on it, and the messages are emitted on the shared test node, so they reach it
    // through the Redis adapter, never through its own emits
    const port = await freePort();
    const peer = spawnService({ REDIS_PREFIX: env().config.redisPrefix, PORT: String(port), ROLES: 'api,realtime', SOCKET_BUFFER_CAP_BYTES: String(CAP) });
    let sock: ChildProcess | undefined;
    try {
      await peer.ready();
      const shop2 = await newShop();
      sock = spawn('python3', ['test/support/stalled-socket.py', '127.0.0.1', String(port), shop2.manager], { stdio: ['ignore', 'pipe', 'pipe'] });
      let said = '';
      sock.stdout!.on('data', (d) => (said += d));
      sock.stderr!.on('data', (d) => (said += d));
      await until(() => said.includes('connected'), 10_000, `the stalled manager to connect: ${said}`);
      const counter = async () => Number(/tajir_socket_slow_consumer_disconnects_total (\d+)/.exec((await remote(`http://127.0.0.1:${port}`).call('GET', '/metrics')).body)?.[1] ?? 0);
      const room = rooms.managers(shop2.shopId);
      const io = env().node.io.io;
      const big = { seq: 0, prev_seq: null, changes: { note: 'x'.repeat(100 * 1024) } };
      // until the peer has disconnected it, at most 160 × 100 KiB (the kernel takes the first few MiB)
      for (let i = 0; i < 160 && (await counter()) === 0; i++) {
        (io.to(room) as unknown as { emit(e: string, m: unknown): void }).emit('dashboard:update', big);
        await new Promise((r) => setTimeout(r, 5));
      }
      assert.equal(await counter(), 1, 'counted once');
      assert.match(peer.output(), /slow consumer/);
    } finally {
      sock?.kill('SIGKILL');
      await peer.stop();
    }
  });

  it('disconnects a socket whose unsent bytes pass the cap, logs and counts it, instead of dropping messages silently', async () => {
    const shop = await newShop();
    const port = new URL(env().baseUrl).port;
    const sock = spawn('python3', ['test/support/stalled-socket.py', '127.0.0.1', port, shop.manager], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let said = '';
      sock.stdout!.on('data', (d) => (said += d));
      sock.stderr!.on('data', (d) => (said += d));
      await until(() => said.includes('connected'), 10_000, `the stalled manager to connect: ${said}`);
      const io = env().node.io.io;
      const room = rooms.managers(shop.shopId);
      const here = () => io.of('/').adapter.rooms.get(room)?.size ?? 0;
      await until(() => here() > 0, 5000, 'the stalled socket to join its room');
      const counter = async () => Number(/tajir_socket_slow_consumer_disconnects_total (\d+)/.exec(await env().deps.metrics.registry.metrics())?.[1] ?? 0);
      const before = await counter();
      const big = { seq: 0, prev_seq: null, changes: { note: 'x'.repeat(100 * 1024) } };
      for (let i = 0; i < 80 && here() > 0; i++) {
        (io.to(room) as unknown as { emit(e: string, m: unknown): void }).emit('dashboard:update', big);
        await new Promise((r) => setTimeout(r, 5));
      }
      await until(() => here() === 0, 5000, 'the stalled socket to be disconnected');
      assert.equal((await counter()) - before, 1, 'counted once');
    } finally {
      sock.kill('SIGKILL');
    }
  });
});

describe('when slow consumers are looked for (issue 20: not after every broadcast)', () => {
  it('a room is due once its broadcast bytes reach the threshold, then counts again from zero', () => {
    const meter = createRoomMeter(1000);
    assert.deepEqual(meter.add(['a', 'b'], 400), []);
    assert.deepEqual(meter.add(['a'], 599), []);
    assert.deepEqual(meter.add(['a', 'b'], 1), ['a']);
    assert.deepEqual(meter.add(['a'], 999), []);
    assert.deepEqual(meter.add(['b'], 599), ['b']);
    // one message past the threshold on its own is due at once
    assert.deepEqual(meter.add(['c'], 5000), ['c']);
  });

  it('a broadcast to no room counts for every socket; a sweep of every socket starts all counts again', () => {
    const meter = createRoomMeter(1000);
    assert.deepEqual(meter.add([], 600), []);
    assert.deepEqual(meter.add(new Set<string>(), 600), [EVERYONE]);
    meter.add(['a'], 900);
    meter.clear();
    assert.deepEqual(meter.add(['a'], 900), []);
  });

  it('hooks where broadcasts from other nodes arrive (socket.io-adapter: onMessage, called synchronously)', () => {
    const adapter = env().node.io.io.of('/').adapter as unknown as { onMessage?: unknown };
    assert.equal(typeof adapter.onMessage, 'function');
  });
});
