import assert from 'node:assert/strict';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { EVENTS_CHANNEL } from '../src/domain/events/channel.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { get, newShop, post } from './support/http.ts';
import { until } from './support/sockets.ts';

describe('the in-transaction NOTIFY', () => {
  it('carries the event itself, or only the shop id when the event would not fit; both are applied exactly', async () => {
    const { sql, deps } = env();
    const s = await newShop();
    const heard: string[] = [];
    const listener = await sql.listen(EVENTS_CHANNEL, (payload) => heard.push(payload));
    try {
      const small = await addProduct(s.shopId, 'Shirt', 10);
      const bill = await post('/api/bills', { items: [{ product_id: small, quantity: 2 }] }, s.token);
      assert.equal(bill.status, 201);
      const [row] = await sql<{ seq: number }[]>`select seq from events where shop_id = ${s.shopId} and entity_id = ${bill.body.id}`;
      await until(() => heard.some((h) => h.startsWith('{') && JSON.parse(h).seq === row!.seq && JSON.parse(h).shop === s.shopId), 5000, 'the event');
      const n = JSON.parse(heard.find((h) => h.startsWith('{') && JSON.parse(h).shop === s.shopId)!);
      assert.equal(n.kind, 'bill_created');
      assert.equal(n.entity_id, bill.body.id);
      assert.equal(n.payload.bill_id, bill.body.id);
      assert.equal(n.payload.total, 2000);

      // 40 products with 200-character names: the event's name map alone passes the 8000-byte NOTIFY limit
      const big = await Promise.all(Array.from({ length: 40 }, (_, i) => addProduct(s.shopId, `${String(i).padStart(3, '0')} ${'x'.repeat(196)}`, 1)));
      const large = await post('/api/bills', { items: big.map((product_id) => ({ product_id, quantity: 1 })) }, s.token);
      assert.equal(large.status, 201);
      await until(() => heard.includes(String(s.shopId)), 5000, 'the shop id alone');
      await settled(s.shopId);
      const d = (await get('/api/dashboard', s.token)).body;
      assert.equal(d.today.bills, 2);
      assert.equal(d.today.revenue, 20 + 40);
      assert.deepEqual((await verifyShop(sql, env().redis, deps.keys, s.shopId)).differences, []);
    } finally {
      await listener.unlisten();
    }
  });
});
