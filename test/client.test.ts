import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import { type ClientToServerEvents, createTajirClient, type ServerToClientEvents } from '../src/client/index.ts';
import { env } from './support/env.ts';
import { addProduct } from './support/fixtures.ts';
import { api, must, newShop, uniqueEmail } from './support/http.ts';

describe('the typed client', () => {
  it('its types are what the served /openapi.json generates now (npm run client:types)', async function () {
    this.timeout(60_000);
    // in a process of its own: the generator registers a module hook (scripts/ts5-resolve.mjs)
    const r = await promisify(execFile)(process.execPath, ['--import=tsx', 'scripts/openapi-types.ts', '--check']).catch((e: { code: number; stderr: string }) => e);
    assert.equal('code' in r ? r.code : 0, 0, `src/client/api-types.ts is stale: run npm run client:types (${'stderr' in r ? r.stderr : ''})`);
  });

  it("runs the README's terminal script: log in, a bill with an Idempotency-Key, a dashboard:update", async () => {
    const shop = await newShop();
    const productId = await addProduct(shop.shopId, 'Kandura wash', 25);
    const baseUrl = env().baseUrl;
    // --- the README example, as written there ---
    const api = createTajirClient({ baseUrl });
    const { data: session } = await api.POST('/api/auth/login', { body: { email: shop.email, password: 'correct-horse-1' } });
    const authed = createTajirClient({ baseUrl, token: session!.token });
    const socket = io(baseUrl, { auth: { token: session!.token }, transports: ['websocket'] }) as import('socket.io-client').Socket<ServerToClientEvents, ClientToServerEvents>;
    const update = new Promise<number>((resolve) => socket.on('dashboard:update', (m) => resolve(m.seq)));
    await new Promise((joined) => socket.once('connect', () => joined(null))); // pushes reach a connected socket only
    const { data: bill, response } = await authed.POST('/api/bills', {
      params: { header: { 'Idempotency-Key': `till-1-${Date.now()}` } },
      body: { items: [{ product_id: productId, quantity: 2 }], payments: [{ amount: 50, method: 'Cash' }] },
    });
    // --- end of the example ---
    try {
      assert.equal(response.status, 201);
      assert.ok(bill, 'the created bill');
      assert.ok((await update) >= 1, 'a dashboard:update arrived');
    } finally {
      socket.disconnect();
    }
  });

  it('reads every billing, counter and terminal answer with its generated type (each checked against /openapi.json)', async () => {
    const shop = await newShop();
    const productId = await addProduct(shop.shopId, 'Shirt press', 12.5);
    const owner = api(shop.token);
    const terminal = api(shop.terminal);
    const body = { items: [{ product_id: productId, quantity: 2 }], customer: { phone: '+971501234567', name: 'Typed Customer' }, delivery_date: '2099-01-02' };

    const quote = await must(terminal.POST('/api/bills/quote', { body }));
    assert.equal(quote.total_amount, 25);
    const next = await must(terminal.GET('/api/bills/next-number'));
    const made = await must(terminal.POST('/api/bills', { body, params: { header: { 'Idempotency-Key': `typed-${Date.now()}` } } }));
    assert.equal(made.bill_number, next.bill_number);
    assert.equal(made.delivery_date, '2099-01-02');
    assert.equal(made.cashier_id, null);
    assert.equal(made.items[0]!.product_name, 'Shirt press');
    const paid = await must(terminal.POST('/api/bills/{id}/payments', { params: { path: { id: made.id } }, body: { amount: 5, method: 'Cash' } }));
    assert.equal(paid.paid, 5);
    const read = await must(terminal.GET('/api/bills/{id}', { params: { path: { id: made.id } } }));
    assert.deepEqual(read.payments.map((p) => p.kind), ['payment']);
    const page = await must(owner.GET('/api/bills', { params: { query: { per_page: 10 } } }));
    assert.ok('total' in page && page.items.some((b) => b.id === made.id));
    const keyset = await must(owner.GET('/api/bills', { params: { query: { per_page: 10, cursor: '' } } }));
    assert.ok('next_cursor' in keyset && keyset.next_cursor === null);
    const cancelled = await must(owner.POST('/api/bills/{id}/cancel', { params: { path: { id: made.id } }, body: { reason: 'typed test' } }));
    assert.equal(cancelled.status, 'Cancelled');

    const masters = await must(terminal.GET('/api/masters'));
    assert.ok(Array.isArray(masters.items));
    const customers = await must(terminal.GET('/api/counter/customers', { params: { query: { search: '501234' } } }));
    assert.deepEqual(customers.items.map((c) => c.name), ['Typed Customer']);

    const cashier = await must(owner.POST('/api/users', { body: { email: uniqueEmail('typed'), password: 'correct-horse-1', name: 'Typed', role: 'cashier' } }));
    assert.equal(cashier.role, 'cashier');
    await must(owner.PUT('/api/users/{id}/pin', { params: { path: { id: cashier.id } }, body: { pin: '4826' } }));
    const pin = await must(terminal.POST('/api/terminal/sessions', { body: { pin: '4826' } }));
    assert.equal(pin.cashier.id, cashier.id);
    const terminals = await must(owner.GET('/api/terminals'));
    assert.deepEqual(terminals.items.map((t) => t.id), [shop.terminalId]);
    const added = await must(owner.POST('/api/terminals', { body: { name: 'Counter 2' } }));
    assert.ok(added.token.length > 20);
  });
});
