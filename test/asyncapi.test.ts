import assert from 'node:assert/strict';
import { Parser } from '@asyncapi/parser';
import type { TSchema } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { CLIENT_EVENTS, SERVER_EVENTS } from '../src/realtime/schemas.ts';
import { addProduct } from './support/fixtures.ts';
import { get, newShop, post } from './support/http.ts';
import { connect, record, sync, until } from './support/sockets.ts';

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats is CommonJS with a default export; under NodeNext the callable is on .default
const addFormats = ((addFormatsModule as unknown as { default?: (a: Ajv) => Ajv }).default ?? addFormatsModule) as unknown as (a: Ajv) => Ajv;
addFormats(ajv);
/** The schema's complaints about a value ([] when it conforms). */
function errorsOf(schema: TSchema, value: unknown): string[] {
  const check = ajv.compile(JSON.parse(JSON.stringify(schema)));
  return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

describe('/asyncapi.json', () => {
  it('parses and validates as AsyncAPI 3.0 with the official parser, and names every event of the contract', async () => {
    const r = await get('/asyncapi.json');
    assert.equal(r.status, 200);
    const { document, diagnostics } = await new Parser().parse(JSON.stringify(r.body));
    const errors = diagnostics.filter((d) => d.severity === 0);
    assert.deepEqual(errors.map((d) => `${d.path.join('.')}: ${d.message}`), []);
    assert.ok(document, 'a parsed document');
    const names = document!.allMessages().all().map((m) => m.name());
    for (const e of [...Object.keys(SERVER_EVENTS), ...Object.keys(CLIENT_EVENTS)]) assert.ok(names.includes(e), `${e} is described`);
    assert.equal(document!.operations().all().length, Object.keys(SERVER_EVENTS).length + Object.keys(CLIENT_EVENTS).length);
  });

  it('describes what the service really sends: live payloads validate against their event schemas', async () => {
    const s = await newShop();
    const product = await addProduct(s.shopId, 'Wash', 10);
    const manager = await connect(s.token);
    const terminal = await connect(s.terminal);
    const seenM = record(manager);
    const seenT = record(terminal);
    const synced = await sync(manager);
    assert.deepEqual(errorsOf(CLIENT_EVENTS['dashboard:sync'].ack, synced), []);
    const bill = await post('/api/bills', { items: [{ product_id: product, quantity: 2 }], customer: { phone: '0501234567', name: 'Ali' } }, s.cashier);
    assert.equal(bill.status, 201);
    await post('/api/vat-rates', { rate_percent: 5, effective_from: '2091-01-01' }, s.token);
    await until(() => ['bill:created', 'dashboard:update', 'settings:updated'].every((n) => seenM.some((e) => e.name === n)), 10_000, 'the pushes');
    const ack = await new Promise((resolve) => terminal.emit('settings:ack', { version: 1 }, resolve));
    assert.deepEqual(errorsOf(CLIENT_EVENTS['settings:ack'].ack, ack), []);
    for (const e of [...seenM, ...seenT]) {
      const schema = SERVER_EVENTS[e.name as keyof typeof SERVER_EVENTS]?.payload;
      assert.ok(schema, `an event the document does not name: ${e.name}`);
      assert.deepEqual(errorsOf(schema, e.args[0]), [], e.name);
    }
  });
});
