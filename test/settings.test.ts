import assert from 'node:assert/strict';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { vatRateOn } from '../src/domain/settings/service.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct, settled } from './support/fixtures.ts';
import { call, del, get, newShop, post, put, type Res, type ShopSession, uniqueEmail } from './support/http.ts';
import { recordingSettingsPushes } from './support/pushes.ts';

const HOSTILE = "Bob's '; drop table shops; --";
const HUGE = 'x'.repeat(10_000);

const fields = (r: Res) => (r.body.error.details as { field: string }[]).map((d) => d.field);


const version = async (s: ShopSession): Promise<number> => (await get('/api/shop-settings', s.token)).body.version;
const rates = (r: Res) => (r.body.vat_rates as any[]).map((v) => [v.rate_percent, v.effective_from, v.effective_to]);

const LOCALE = { currency: 'AED', timezone: 'Asia/Dubai', date_format: 'DD/MM/YYYY', language: 'en' };
const BILLING = { payment_mode: 'advance', prices_include_vat: true, default_delivery_days: 3, default_trial_days: 3, default_employee_id: null };

/** Every write of this file, for the role and token checks. */
const WRITES: [string, string, unknown][] = [
  ['PUT', '/api/shop-settings/shop-info', { name: 'X' }],
  ['PUT', '/api/shop-settings/billing-config', BILLING],
  ['PUT', '/api/shop-settings/payment-methods', { payment_methods: ['Cash'] }],
  ['PUT', '/api/shop-settings/locale', LOCALE],
  ['POST', '/api/vat-rates', { rate_percent: 5, effective_from: '2040-01-01' }],
  ['DELETE', '/api/vat-rates/1', undefined],
];

describe('shop settings', () => {
  let s: ShopSession;
  let other: ShopSession;
  before(async () => {
    [s, other] = await Promise.all([newShop(), newShop()]);
  });

  it('reads the defaults of a new shop in one document, for every role including terminals', async () => {
    const r = await get('/api/shop-settings', s.terminal);
    assert.equal(r.status, 200);
    assert.equal(r.body.shop_info.name, `Shop ${s.email}`);
    assert.deepEqual(r.body.locale, LOCALE);
    assert.equal(r.body.billing_config.prices_include_vat, true);
    assert.equal(r.body.billing_config.payment_mode, 'advance');
    assert.equal(r.body.billing_config.default_delivery_days, 3);
    assert.equal(r.body.billing_config.default_trial_days, 3);
    assert.equal(r.body.billing_config.default_employee_id, null);
    assert.deepEqual(rates(r), [[5, '2018-01-01', null]]);
    assert.deepEqual(Object.keys(r.body.vat_rates[0]).sort(), ['effective_from', 'effective_to', 'id', 'rate_percent']);
    assert.deepEqual(r.body.payment_methods, ['Cash', 'Card', 'Bank Transfer', 'Cheque', 'Other']);
    assert.equal(r.body.loyalty.config.point_value, 0.01);
    assert.deepEqual(
      r.body.loyalty.tiers.map((t: any) => [t.name, t.threshold_points, t.multiplier, t.discount_percent]),
      [
        ['Bronze', 0, 1, 0],
        ['Silver', 1000, 1.1, 5],
        ['Gold', 5000, 1.25, 10],
        ['Platinum', 15000, 1.5, 15],
      ],
    );
    assert.equal(typeof r.body.version, 'number');
    for (const token of [s.token, s.manager, s.cashier]) assert.equal((await get('/api/shop-settings', token)).status, 200);
    assert.equal((await get('/api/shop-settings')).status, 401);
    assert.equal((await get('/api/shop-settings', 'not-a-token')).status, 401);
  });

  it('refuses every write to cashiers and terminals (403) and to requests without a token (401)', async () => {
    for (const [method, path, body] of WRITES) {
      for (const token of [s.cashier, s.terminal]) {
        assert.equal((await call(method, path, { token, body })).status, 403, `${method} ${path}`);
      }
      assert.equal((await call(method, path, { body })).status, 401, `${method} ${path}`);
    }
  });

  it('raises the version by exactly one per change and pushes (version, section, value) after commit', async () => {
    const shop = await newShop();
    const emp = await addEmployee(shop.shopId, 'Master Ali');
    await recordingSettingsPushes(shop, async (pushes, arrived) => {
      const v0 = await version(shop);
      const steps: [string, string, unknown, string][] = [
        ['PUT', '/api/shop-settings/shop-info', { name: 'Al Noor', trn: '100123456700003' }, 'shop_info'],
        ['PUT', '/api/shop-settings/billing-config', { ...BILLING, default_employee_id: emp }, 'billing_config'],
        ['PUT', '/api/shop-settings/payment-methods', { payment_methods: ['Card', 'Cash'] }, 'payment_methods'],
        ['PUT', '/api/shop-settings/locale', { ...LOCALE, language: 'ar' }, 'locale'],
        ['POST', '/api/vat-rates', { rate_percent: 7.5, effective_from: '2040-01-01' }, 'vat_rates'],
      ];
      for (const [i, [method, path, body, section]] of steps.entries()) {
        const r = await call(method, path, { token: shop.manager, body });
        assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
        assert.equal(r.body.version, v0 + i + 1, path);
        await arrived(i + 1);
        if (section === 'vat_rates') {
          // a create answers the one rate it made (API.md: POST answers 201 with the thing); the push holds them all
          const { version: _v, ...rate } = r.body;
          assert.equal(r.status, 201);
          assert.deepEqual(pushes[i]!.value.find((v: any) => v.id === rate.id), rate, `${path} answers the rate it pushed`);
        } else {
          assert.deepEqual(r.body[section], pushes[i]!.value, `${path} answers the value it pushed`);
        }
      }
      const added = pushes[4]!.value.find((v: any) => v.rate_percent === 7.5);
      assert.equal((await del(`/api/vat-rates/${added.id}`, shop.manager)).status, 204);
      await arrived(6);
      assert.deepEqual(
        pushes.map((p) => [p.shopId, p.version, p.section]),
        ['shop_info', 'billing_config', 'payment_methods', 'locale', 'vat_rates', 'vat_rates'].map((sec, i) => [shop.shopId, v0 + i + 1, sec]),
      );
      // the pushed value is the section itself, in the shape GET /api/shop-settings uses
      assert.equal(pushes[0]!.value.name, 'Al Noor');
      assert.equal(pushes[1]!.value.default_employee_id, emp);
      assert.deepEqual(pushes[2]!.value, ['Card', 'Cash']);
      assert.deepEqual(pushes[3]!.value, { ...LOCALE, language: 'ar' });
      assert.deepEqual(pushes[5]!.value.map((v: any) => [v.rate_percent, v.effective_to]), [[5, null]]);
      assert.equal(await version(shop), v0 + 6);
      // a refused change changes nothing and pushes nothing
      assert.equal((await put('/api/shop-settings/locale', { ...LOCALE, timezone: 'Mars/Olympus' }, shop.token)).status, 400);
      assert.equal((await del('/api/vat-rates/999999999', shop.token)).status, 404);
      assert.equal(await version(shop), v0 + 6);
      // the next accepted change's push follows the sixth directly: the refused ones pushed nothing
      assert.equal((await put('/api/shop-settings/payment-methods', { payment_methods: ['Cash'] }, shop.token)).status, 200);
      await arrived(7);
      assert.deepEqual(pushes.slice(6).map((p) => [p.version, p.section]), [[v0 + 7, 'payment_methods']]);
    });
  });

  it('gives concurrent changes distinct, consecutive versions, and each push carries the state at its version', async () => {
    const shop = await newShop();
    await recordingSettingsPushes(shop, async (pushes, arrived) => {
      const v0 = await version(shop);
      const writes = [
        ...[1, 2, 3, 4].map((i) => put('/api/shop-settings/payment-methods', { payment_methods: i % 2 ? ['Cash', 'Card'] : ['Card'] }, shop.manager)),
        ...[1, 2, 3].map((i) => put('/api/shop-settings/shop-info', { name: `Shop ${i}` }, shop.token)),
        ...[2011, 2012, 2013].map((y) => post('/api/vat-rates', { rate_percent: 5, effective_from: `${y}-01-01`, effective_to: `${y}-12-31` }, shop.token)),
      ];
      const done = await Promise.all(writes);
      for (const r of done) assert.ok(r.status === 200 || r.status === 201, JSON.stringify(r.body));
      const versions = done.map((r) => r.body.version).sort((a, b) => a - b);
      assert.deepEqual(versions, Array.from({ length: 10 }, (_, i) => v0 + i + 1));
      assert.equal(await version(shop), v0 + 10);
      await arrived(10);
      // the VAT pushes are cumulative: the later version always holds the earlier one's rates
      const vat = pushes.filter((p) => p.section === 'vat_rates').sort((a, b) => a.version - b.version);
      assert.deepEqual(vat.map((p) => p.value.length), [2, 3, 4]);
    });
  });

  describe('PUT /api/shop-settings/shop-info', () => {
    it('replaces the shop info, renames the shop, and keeps hostile text verbatim', async () => {
      const body = {
        name: `  ${HOSTILE}  `,
        address: 'Shop 4, Al Fahidi St',
        city: 'Dubai',
        area: 'Bur Dubai',
        trn: '100123456700003',
        phone: '+97140000000',
        logo_url: 'https://cdn.example.com/logo.png',
        working_hours: 'Sat-Thu 09:00-22:00',
        invoice_footer: 'شكرا لزيارتكم',
      };
      const r = await put('/api/shop-settings/shop-info', body, s.manager);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.shop_info, { ...body, name: HOSTILE });
      const [shop] = await env().sql<{ name: string }[]>`select name from shops where id = ${s.shopId}`;
      assert.equal(shop!.name, HOSTILE);
      assert.deepEqual((await get('/api/shop-settings', s.terminal)).body.shop_info, { ...body, name: HOSTILE });
      // PUT replaces: fields not sent are gone
      const again = await put('/api/shop-settings/shop-info', { name: 'Al Noor Tailoring', trn: null }, s.token);
      assert.deepEqual(again.body.shop_info, { name: 'Al Noor Tailoring', trn: null });
      // the other shop is untouched
      assert.equal((await get('/api/shop-settings', other.token)).body.shop_info.name, `Shop ${other.email}`);
    });

    it('rejects bad fields with 400 naming them', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{}, 'name'],
        [{ name: '   ' }, 'name'],
        [{ name: HUGE }, 'name'],
        [{ name: 'A', trn: '12345678901234' }, 'trn'],
        [{ name: 'A', trn: '10012345670000x' }, 'trn'],
        [{ name: 'A', logo_url: 'javascript:alert(1)' }, 'logo_url'],
        [{ name: 'A', logo_url: 'not a url' }, 'logo_url'],
        [{ name: 'A', invoice_footer: HUGE }, 'invoice_footer'],
        [{ name: 'A', address: HUGE }, 'address'],
        [{ name: 'A', phone: 42 }, 'phone'],
      ];
      for (const [body, field] of cases) {
        const r = await put('/api/shop-settings/shop-info', body, s.token);
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
        assert.equal(r.body.error.code, 'validation_failed');
        assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
      }
      assert.equal((await call('PUT', '/api/shop-settings/shop-info', { token: s.token, raw: '{"name":', headers: { 'content-type': 'application/json' } })).status, 400);
    });
  });

  describe('PUT /api/shop-settings/billing-config', () => {
    it('writes prices_include_vat to its column and merges the rest into the config', async () => {
      const emp = await addEmployee(s.shopId, 'Master Omar');
      const body = { payment_mode: 'full', prices_include_vat: false, default_delivery_days: 7, default_trial_days: 2, default_employee_id: emp };
      const r = await put('/api/shop-settings/billing-config', body, s.manager);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual({ ...r.body.billing_config, show_fields: undefined, bill_template: undefined }, { ...body, show_fields: undefined, bill_template: undefined });
      assert.equal(r.body.billing_config.show_fields.trial_date, true, 'show_fields not sent keeps its value');
      assert.equal(r.body.billing_config.bill_template, 'standard');
      const [row] = await env().sql<{ prices_include_vat: boolean }[]>`select prices_include_vat from shop_settings where shop_id = ${s.shopId}`;
      assert.equal(row!.prices_include_vat, false);
      const next = await put('/api/shop-settings/billing-config', { ...BILLING, show_fields: { trial_date: false }, bill_template: 'thermal-80' }, s.token);
      assert.equal(next.status, 200);
      assert.deepEqual(next.body.billing_config.show_fields, { trial_date: false });
      assert.equal(next.body.billing_config.bill_template, 'thermal-80');
      assert.deepEqual((await get('/api/shop-settings', s.cashier)).body.billing_config, next.body.billing_config);
    });

    it('takes as default master only an active employee of this shop (422 otherwise)', async () => {
      const theirs = await addEmployee(other.shopId, 'Their master');
      const idle = await addEmployee(s.shopId, 'Idle master');
      await env().sql`update employees set active = false where id = ${idle}`;
      const gone = await addEmployee(s.shopId, 'Gone master');
      await env().sql`update employees set deleted_at = now() where id = ${gone}`;
      for (const id of [theirs, idle, gone, 999_999_999]) {
        const r = await put('/api/shop-settings/billing-config', { ...BILLING, default_employee_id: id }, s.token);
        assert.equal(r.status, 422, String(id));
        assert.equal(r.body.error.code, 'invalid_reference');
      }
    });

    it('rejects bad fields with 400 naming them', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...BILLING, payment_mode: 'credit' }, 'payment_mode'],
        [{ ...BILLING, prices_include_vat: 'yes' }, 'prices_include_vat'],
        [{ ...BILLING, default_delivery_days: -1 }, 'default_delivery_days'],
        [{ ...BILLING, default_trial_days: 1.5 }, 'default_trial_days'],
        [{ ...BILLING, default_employee_id: 'x' }, 'default_employee_id'],
        [{ ...BILLING, bill_template: HOSTILE }, 'bill_template'],
        [{ ...BILLING, show_fields: { notes: 'yes' } }, 'show_fields.notes'],
        [{ payment_mode: 'full' }, 'prices_include_vat'],
      ];
      for (const [body, field] of cases) {
        const r = await put('/api/shop-settings/billing-config', body, s.token);
        assert.equal(r.status, 400, JSON.stringify(body));
        assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
      }
      // keys that are not field names are dropped, never stored
      const r = await put('/api/shop-settings/billing-config', { ...BILLING, show_fields: { [HUGE]: true, [HOSTILE]: false, notes: true } }, s.token);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.billing_config.show_fields, { notes: true });
    });
  });

  describe('PUT /api/shop-settings/payment-methods', () => {
    it('stores a subset in the order given', async () => {
      const r = await put('/api/shop-settings/payment-methods', { payment_methods: ['Card', 'Bank Transfer', 'Cash'] }, s.manager);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.payment_methods, ['Card', 'Bank Transfer', 'Cash']);
      assert.deepEqual((await get('/api/shop-settings', s.terminal)).body.payment_methods, ['Card', 'Bank Transfer', 'Cash']);
      assert.deepEqual((await get('/api/shop-settings', other.terminal)).body.payment_methods, ['Cash', 'Card', 'Bank Transfer', 'Cheque', 'Other']);
    });

    it('refuses none, duplicates, unknown methods and a missing list with 400', async () => {
      for (const payment_methods of [[], ['Cash', 'Cash'], ['Bitcoin'], ['cash'], [HOSTILE], 'Cash', undefined]) {
        const r = await put('/api/shop-settings/payment-methods', { payment_methods }, s.token);
        assert.equal(r.status, 400, JSON.stringify(payment_methods));
        assert.ok(fields(r).some((f) => f.startsWith('payment_methods')), JSON.stringify(fields(r)));
      }
    });
  });

  describe('PUT /api/shop-settings/locale', () => {
    it('stores currency, canonical time zone, date format and language', async () => {
      const r = await put('/api/shop-settings/locale', { currency: 'SAR', timezone: 'asia/riyadh', date_format: 'YYYY-MM-DD', language: 'ar' }, s.manager);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.deepEqual(r.body.locale, { currency: 'SAR', timezone: 'Asia/Riyadh', date_format: 'YYYY-MM-DD', language: 'ar' });
      assert.deepEqual((await get('/api/shop-settings', s.terminal)).body.locale, r.body.locale);
      assert.equal((await put('/api/shop-settings/locale', LOCALE, s.token)).status, 200);
    });

    it('a zone change rebuilds the aggregates in the new zone: Redis equals Postgres before and after, and after a cancellation', async () => {
      const shop = await newShop();
      const p = await addProduct(shop.shopId, 'Abaya', 240);
      const bills: number[] = [];
      for (let i = 0; i < 3; i++) {
        const b = await post('/api/bills', { items: [{ product_id: p, quantity: 1 + i }], payments: [{ amount: 100, method: 'Cash' }] }, shop.cashier);
        assert.equal(b.status, 201, JSON.stringify(b.body));
        bills.push(b.body.id);
      }
      const clean = async (what: string) => {
        await settled(shop.shopId);
        const v = await verifyShop(env().sql, env().redis, env().deps.keys, shop.shopId);
        assert.deepEqual([v.error, v.differences], [undefined, []], what);
      };
      await clean('before');
      const before = (await get('/api/dashboard', shop.token)).body;
      // +5:30 against Dubai's +4:00: every bill moves to another local hour
      assert.equal((await put('/api/shop-settings/locale', { ...LOCALE, timezone: 'Asia/Kolkata' }, shop.token)).status, 200);
      await clean('after the zone change');
      const after = (await get('/api/dashboard', shop.token)).body;
      assert.ok(after.seq > before.seq, "after.seq > before.seq");
      assert.notDeepEqual(after.hourly, before.hourly, 'the hours moved');
      assert.equal((await post(`/api/bills/${bills[1]}/cancel`, { reason: 'zone test' }, shop.token)).status, 200);
      await clean('after a cancellation in the new zone');
      // the same zone again is no change: no event
      const seq = (await get('/api/dashboard', shop.token)).body.seq;
      assert.equal((await put('/api/shop-settings/locale', { ...LOCALE, timezone: 'Asia/Kolkata', language: 'ar' }, shop.token)).status, 200);
      await settled(shop.shopId);
      assert.equal((await get('/api/dashboard', shop.token)).body.seq, seq);
    });

    it('rejects unknown zones, currencies, formats and languages with 400 naming the field', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...LOCALE, timezone: 'Mars/Olympus' }, 'timezone'],
        [{ ...LOCALE, timezone: HOSTILE }, 'timezone'],
        [{ ...LOCALE, timezone: HUGE }, 'timezone'],
        [{ ...LOCALE, timezone: '' }, 'timezone'],
        [{ ...LOCALE, currency: 'aed' }, 'currency'],
        [{ ...LOCALE, currency: 'AEDX' }, 'currency'],
        [{ ...LOCALE, currency: 'QQQ' }, 'currency'],
        [{ ...LOCALE, date_format: 'YYYY/DD/MM' }, 'date_format'],
        [{ ...LOCALE, language: 'fr' }, 'language'],
        [{ currency: 'AED' }, 'timezone'],
      ];
      for (const [body, field] of cases) {
        const r = await put('/api/shop-settings/locale', body, s.token);
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
        assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
      }
      assert.deepEqual((await get('/api/shop-settings', s.token)).body.locale, LOCALE);
    });

    it('refuses currencies whose minor unit is not 2 digits (amounts are kept in hundredths) and accepts 2-digit ones', async () => {
      for (const currency of ['KWD', 'BHD', 'OMR', 'JOD', 'TND', 'JPY', 'KRW', 'IQD']) {
        const r = await put('/api/shop-settings/locale', { ...LOCALE, currency }, s.token);
        assert.equal(r.status, 400, currency);
        assert.equal(r.body.error.code, 'validation_failed');
        const detail = (r.body.error.details as { field: string; message: string }[]).find((d) => d.field === 'currency');
        assert.ok(detail, `currency in ${JSON.stringify(fields(r))}`);
        assert.match(detail.message, /hundredths/);
      }
      assert.deepEqual((await get('/api/shop-settings', s.token)).body.locale, LOCALE, 'nothing stored');
      for (const currency of ['SAR', 'QAR', 'USD', 'EUR', 'AED']) {
        const r = await put('/api/shop-settings/locale', { ...LOCALE, currency }, s.token);
        assert.equal(r.status, 200, `${currency}: ${JSON.stringify(r.body)}`);
        assert.equal(r.body.locale.currency, currency);
      }
    });
  });
});

describe('VAT rates', () => {
  it('refuses negative, above-100 and 3-decimal rates and reversed or impossible dates with 400', async () => {
    const s = await newShop();
    const cases: [Record<string, unknown>, string][] = [
      [{ rate_percent: -5, effective_from: '2040-01-01' }, 'rate_percent'],
      [{ rate_percent: 100.01, effective_from: '2040-01-01' }, 'rate_percent'],
      [{ rate_percent: 5.125, effective_from: '2040-01-01' }, 'rate_percent'],
      [{ rate_percent: '5', effective_from: '2040-01-01' }, 'rate_percent'],
      [{ rate_percent: 5, effective_from: '2040-02-01', effective_to: '2040-01-31' }, 'effective_to'],
      [{ rate_percent: 5, effective_from: '2040-02-30' }, 'effective_from'],
      [{ rate_percent: 5, effective_from: HOSTILE }, 'effective_from'],
      [{ rate_percent: 5 }, 'effective_from'],
    ];
    for (const [body, field] of cases) {
      const r = await post('/api/vat-rates', body, s.token);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
    }
    assert.deepEqual(rates(await get('/api/shop-settings', s.token)), [[5, '2018-01-01', null]]);
  });

  it('a shop that charges no VAT has a 0% rate: its bills carry no VAT', async () => {
    const r = await post('/api/auth/signup', { shop_name: 'Small Tailor', email: uniqueEmail(), password: 'secret-123', vat_percent: 0, prices_include_vat: false });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    const p = await addProduct(r.body.shop.id, 'Alteration', 35);
    const bill = await post('/api/bills', { items: [{ product_id: p, quantity: 2 }] }, r.body.token);
    assert.equal(bill.status, 201, JSON.stringify(bill.body));
    assert.deepEqual([bill.body.subtotal, bill.body.vat_amount, bill.body.total_amount], [70, 0, 70]);
    // and a registered shop can switch to 0% from a date
    const s = await newShop();
    assert.equal((await post('/api/vat-rates', { rate_percent: 0, effective_from: '2040-01-01' }, s.token)).status, 201);
  });

  it('closes the open-ended rate the day before a later rate starts; a temporary rate lets it resume; other overlaps are 409', async () => {
    const s = await newShop();
    const list = async () => rates(await get('/api/shop-settings', s.token));
    const r = await post('/api/vat-rates', { rate_percent: 7.5, effective_from: '2027-01-01' }, s.manager);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual([r.body.rate_percent, r.body.effective_from, r.body.effective_to, typeof r.body.id, typeof r.body.version], [7.5, '2027-01-01', null, 'number', 'number']);
    assert.deepEqual(await list(), [
      [5, '2018-01-01', '2026-12-31'],
      [7.5, '2027-01-01', null],
    ]);
    // a VAT holiday inside the open rate: 7.5% resumes the day after it ends
    const holiday = await post('/api/vat-rates', { rate_percent: 2.5, effective_from: '2028-07-01', effective_to: '2028-12-31' }, s.manager);
    assert.equal(holiday.status, 201);
    assert.deepEqual([holiday.body.rate_percent, holiday.body.effective_from, holiday.body.effective_to], [2.5, '2028-07-01', '2028-12-31']);
    assert.deepEqual(await list(), [
      [5, '2018-01-01', '2026-12-31'],
      [7.5, '2027-01-01', '2028-06-30'],
      [2.5, '2028-07-01', '2028-12-31'],
      [7.5, '2029-01-01', null],
    ]);
    for (const body of [
      { rate_percent: 6, effective_from: '2020-01-01', effective_to: '2020-12-31' }, // inside a closed rate
      { rate_percent: 6, effective_from: '2029-01-01' }, // same start as the open rate
      { rate_percent: 6, effective_from: '2010-01-01' }, // before everything, open-ended
      { rate_percent: 6, effective_from: '2028-12-01', effective_to: '2029-01-31' }, // across two rates
    ]) {
      const clash = await post('/api/vat-rates', body, s.token);
      assert.equal(clash.status, 409, JSON.stringify(body));
      assert.equal(clash.body.error.code, 'conflict');
      assert.deepEqual(fields(clash), ['effective_from']);
    }
    // a rate before the first one that does not touch it is fine
    assert.equal((await post('/api/vat-rates', { rate_percent: 1, effective_from: '2017-01-01', effective_to: '2017-12-31' }, s.token)).status, 201);

    const sql = env().sql;
    const on = (d: string) => vatRateOn(sql, s.shopId, d);
    assert.equal(await on('2016-12-31'), undefined);
    assert.equal(await on('2017-01-01'), 1);
    assert.equal(await on('2017-12-31'), 1);
    assert.equal(await on('2018-01-01'), 5);
    assert.equal(await on('2026-12-31'), 5);
    assert.equal(await on('2027-01-01'), 7.5);
    assert.equal(await on('2028-06-30'), 7.5);
    assert.equal(await on('2028-07-01'), 2.5);
    assert.equal(await on('2028-02-29'), 7.5);
    assert.equal(await on('2028-12-31'), 2.5);
    assert.equal(await on('2029-01-01'), 7.5);
    assert.equal(await on('2999-12-31'), 7.5);
    // scoped to the shop
    const other = await newShop({ vat_percent: 15 });
    assert.equal(await vatRateOn(sql, other.shopId, '2028-07-01'), 15);
  });

  it('DELETE answers 204 and the rate before covers the gap, so add-then-delete restores the list', async () => {
    const s = await newShop();
    const list = async () => rates(await get('/api/shop-settings', s.token));
    const before = await list();
    const add = await post('/api/vat-rates', { rate_percent: 10, effective_from: '2030-01-01' }, s.token);
    const id = add.body.id;
    const d = await del(`/api/vat-rates/${id}`, s.manager);
    assert.equal(d.status, 204);
    assert.equal(d.body, '');
    assert.deepEqual(await list(), before);

    const hol = await post('/api/vat-rates', { rate_percent: 2, effective_from: '2031-01-01', effective_to: '2031-03-31' }, s.token);
    const holId = hol.body.id;
    assert.equal((await list()).length, 3);
    assert.equal((await del(`/api/vat-rates/${holId}`, s.token)).status, 204);
    assert.deepEqual(await list(), before, 'the split rate is merged back');
    assert.equal(await vatRateOn(env().sql, s.shopId, '2031-02-01'), 5);

    // the last rate may go (bills then answer 422 no_vat_rate), and a rate can be added again
    const only = (await get('/api/shop-settings', s.token)).body.vat_rates[0].id;
    assert.equal((await del(`/api/vat-rates/${only}`, s.token)).status, 204);
    assert.deepEqual(await list(), []);
    assert.equal((await post('/api/vat-rates', { rate_percent: 5, effective_from: '2018-01-01' }, s.token)).status, 201);
  });

  it('DELETE: unknown id, another shop’s id and a bad id', async () => {
    const [a, b] = await Promise.all([newShop(), newShop()]);
    const id = (await get('/api/shop-settings', a.token)).body.vat_rates[0].id;
    assert.equal((await del('/api/vat-rates/999999999', a.token)).status, 404);
    const theirs = await del(`/api/vat-rates/${id}`, b.token);
    assert.equal(theirs.status, 404);
    assert.equal(theirs.body.error.code, 'not_found');
    assert.equal((await del('/api/vat-rates/abc', a.token)).status, 400);
    assert.equal((await del(`/api/vat-rates/${id}`, a.cashier)).status, 403);
    assert.equal((await del(`/api/vat-rates/${id}`)).status, 401);
    assert.deepEqual(rates(await get('/api/shop-settings', a.token)), [[5, '2018-01-01', null]]);
    // b's list never shows a's rates
    const bIds = (await get('/api/shop-settings', b.token)).body.vat_rates.map((v: any) => v.id);
    assert.ok(!bIds.includes(id), "!bIds.includes(id)");
  });
});
