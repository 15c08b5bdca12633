/**
 * Three server processes (src/main.ts) on three ports sharing Postgres and Redis, one of them
 * running the aggregator: managers on every node get every push exactly once and end on the
 * state GET /api/dashboard reads, a terminal's presence is seen from every node, and a manager
 * whose node dies resyncs on another node.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { addProduct } from './support/fixtures.ts';
import { startOwnService } from './support/service.ts';
import { type ClientSocket, closeAllSockets, connect, record, sync, until } from './support/sockets.ts';

interface Node {
  port: number;
  url: string;
  child: ChildProcess;
}

/** A node of the cluster: its own port, the cluster's shared Redis prefix. */
async function startNode(roles: string): Promise<Node> {
  const { port, url, child } = await startOwnService('cluster', { ROLES: roles });
  return { port, url, child };
}

async function http(node: Node, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(node.url + path, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('three nodes, one aggregator', function () {
  this.timeout(120_000);
  const nodes: Node[] = [];
  after(() => {
    closeAllSockets();
    for (const n of nodes) n.child.kill('SIGKILL');
  });

  it('delivers every bill to managers on every node exactly once, ends exact, shares presence, and heals a node loss by resync', async () => {
    nodes.push(await startNode('api,realtime,aggregator'));
    nodes.push(await startNode('api,realtime'));
    nodes.push(await startNode('api,realtime'));
    const [n1, n2, n3] = nodes as [Node, Node, Node];

    const signup = await http(n1, 'POST', '/api/auth/signup', { shop_name: 'Cluster Laundry', email: `cluster-${Date.now()}@test.tajir`, password: 'secret-123' });
    assert.equal(signup.status, 201);
    const token = signup.body.token as string;
    const shopId = signup.body.shop.id as number;
    const product = await addProduct(shopId, 'Wash & fold', 18.5);

    const on2 = await connect(token, n2.url);
    const on3 = await connect(token, n3.url);
    const seen2 = record(on2);
    const seen3 = record(on3);
    // each manager's screen: the state from dashboard:sync, then every update merged in
    const [start2, start3] = await Promise.all([sync(on2), sync(on3)]);

    const ids: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await http(n1, 'POST', '/api/bills', { items: [{ product_id: product, quantity: 1 + (i % 2) }] }, token);
      assert.equal(r.status, 201);
      ids.push(r.body.id);
    }
    const billIds = (seen: { name: string; args: any[] }[]) => seen.filter((e) => e.name === 'bill:created').map((e) => e.args[0].bill.id);
    await until(() => billIds(seen2).length >= 40 && billIds(seen3).length >= 40, 20_000, 'bill:created on nodes 2 and 3');
    // a later bill as the marker: once it has arrived, any duplicate of the first 40 would have too
    const marker = await http(n1, 'POST', '/api/bills', { items: [{ product_id: product, quantity: 1 }] }, token);
    assert.equal(marker.status, 201);
    ids.push(marker.body.id);
    await until(() => billIds(seen2).includes(marker.body.id) && billIds(seen3).includes(marker.body.id), 20_000, 'the marker bill on nodes 2 and 3');
    for (const seen of [seen2, seen3]) {
      assert.deepEqual([...billIds(seen)].sort((a, b) => a - b), [...ids].sort((a, b) => a - b), 'each bill exactly once');
      const seqs = seen.filter((e) => e.name === 'dashboard:update').map((e) => e.args[0].seq);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'seq only grows');
    }
    const rest = await http(n1, 'GET', '/api/dashboard', undefined, token);
    for (const [seen, start] of [
      [seen2, start2],
      [seen3, start3],
    ] as const) {
      const updates = () => seen.filter((e) => e.name === 'dashboard:update').map((e) => e.args[0]);
      await until(() => updates().at(-1)?.seq === rest.body.seq, 5000, 'the last update at the final seq');
      // API.md's form: `changes` holds whole parts, so a shallow merge keeps the screen exact
      let screen = start.dashboard;
      for (const u of updates()) if (u.seq > start.seq) screen = { ...screen, ...u.changes, seq: u.seq };
      assert.deepEqual(screen, rest.body);
    }

    // presence spans nodes: a terminal on node 3 is online in GET /api/terminals on node 1
    const term = await http(n1, 'POST', '/api/terminals', { name: 'Counter on node 3' }, token);
    assert.equal(term.status, 201);
    const online = async () => (await http(n1, 'GET', '/api/terminals', undefined, token)).body.items.find((t: any) => t.id === term.body.id).online;
    assert.equal(await online(), false);
    const counter = await connect(term.body.token, n3.url);
    await until(online, 5000, 'online as seen from node 1');
    counter.disconnect();
    await until(async () => !(await online()), 5000, 'offline as seen from node 1');

    // node 2 dies; its manager moves to node 3 and resyncs
    n2.child.kill('SIGKILL');
    await until(() => !on2.connected, 10_000, 'node 2 socket to drop');
    for (let i = 0; i < 10; i++) await http(n1, 'POST', '/api/bills', { items: [{ product_id: product, quantity: 1 }] }, token);
    await until(async () => (await http(n3, 'GET', '/api/dashboard', undefined, token)).body.today.bills === ids.length + 10, 10_000, 'bills applied');
    const moved: ClientSocket = await connect(token, n3.url);
    const synced = await sync(moved);
    const now = await http(n3, 'GET', '/api/dashboard', undefined, token);
    assert.equal(synced.seq, now.body.seq);
    assert.deepEqual(synced.dashboard, now.body);
    assert.equal(now.body.today.bills, ids.length + 10);
  });
});
