import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { io } from 'socket.io-client';
import { type ClientToServerEvents, createTajirClient, type ServerToClientEvents } from '../src/client/index.ts';
import { env } from './support/env.ts';
import { addProduct } from './support/fixtures.ts';
import { newShop } from './support/http.ts';

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
});
