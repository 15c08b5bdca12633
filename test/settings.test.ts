import assert from 'node:assert/strict';
import { noopNotifier } from '../src/domain/common/notifier.ts';
import { vatRateOn } from '../src/domain/settings/service.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { call, get, newShop, post, put, type ShopSession } from './support/http.ts';

describe('settings, VAT rates and loyalty', () => {
  let s: ShopSession;
  before(async () => {
    s = await newShop();
  });

  it('reads the defaults of a new shop in one document', async () => {
    const r = await get('/api/shop-settings', s.terminal);
    assert.equal(r.status, 200);
    assert.equal(r.body.locale.currency, 'AED');
    assert.equal(r.body.locale.timezone, 'Asia/Dubai');
    assert.equal(r.body.billing_config.prices_include_vat, true);
    assert.equal(r.body.billing_config.payment_mode, 'advance');
    assert.deepEqual(r.body.vat_rates.map((v: any) => [v.rate_percent, v.effective_from, v.effective_to]), [[5, '2018-01-01', null]]);
    assert.deepEqual(r.body.payment_methods, ['Cash', 'Card', 'Bank Transfer', 'Cheque', 'Other']);
    assert.deepEqual(r.body.loyalty.tiers.map((t: any) => [t.name, t.threshold_points, t.multiplier]), [
      ['Bronze', 0, 1],
      ['Silver', 1000, 1.1],
      ['Gold', 5000, 1.25],
      ['Platinum', 15000, 1.5],
    ]);
  });

  it('bumps the version by one per change and pushes (version, section, value)', async () => {
    const calls: any[] = [];
    const deps = env().deps as any;
    const saved = deps.notifier;
    deps.notifier = { ...noopNotifier, settingsChanged: (shopId: number, version: number, section: string, value: unknown) => calls.push({ shopId, version, section, value }) };
    try {
      const v0 = (await get('/api/shop-settings', s.token)).body.version;
      const a = await put('/api/shop-settings/shop-info', { name: 'Al Noor', trn: '100123456700003', phone: '+97140000000' }, s.manager);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      assert.equal(a.body.version, v0 + 1);
      const b = await put('/api/shop-settings/locale', { currency: 'AED', timezone: 'Asia/Dubai', date_format: 'DD/MM/YYYY', language: 'ar' }, s.manager);
      assert.equal(b.body.version, v0 + 2);
      assert.deepEqual(calls.map((c) => [c.version, c.section]), [[v0 + 1, 'shop_info'], [v0 + 2, 'locale']]);
      assert.equal(calls[1].value.locale.language, 'ar');
      const many = await Promise.all([1, 2, 3, 4].map((i) => put('/api/shop-settings/payment-methods', { payment_methods: i % 2 ? ['Cash', 'Card'] : ['Card'] }, s.manager)));
      assert.equal(new Set(many.map((r) => r.body.version)).size, 4);
      assert.equal((await get('/api/shop-settings', s.token)).body.version, v0 + 6);
    } finally {
      deps.notifier = saved;
    }
  });

  it('checks settings input and roles', async () => {
    assert.equal((await put('/api/shop-settings/locale', { currency: 'AED', timezone: 'Mars/Olympus', date_format: 'DD/MM/YYYY', language: 'en' }, s.token)).status, 400);
    assert.equal((await put('/api/shop-settings/payment-methods', { payment_methods: ['Cash', 'Cash'] }, s.token)).status, 400);
    assert.equal((await put('/api/shop-settings/payment-methods', { payment_methods: ['Bitcoin'] }, s.token)).status, 400);
    const cfg = { payment_mode: 'full', prices_include_vat: false, default_delivery_days: 3, default_trial_days: 2, default_employee_id: 999999 };
    assert.equal((await put('/api/shop-settings/billing-config', cfg, s.token)).status, 422);
    assert.equal((await put('/api/shop-settings/billing-config', { ...cfg, default_employee_id: null }, s.cashier)).status, 403);
    assert.equal((await put('/api/shop-settings/shop-info', { name: 'x' }, s.terminal)).status, 403);
    assert.equal((await put('/api/shop-settings/shop-info', { name: "Bob's '; drop table shops; --" }, s.token)).body.shop_info.name, "Bob's '; drop table shops; --");
  });

  it('VAT rates: no overlaps, positive rates, a new rate closes the open one, and vatRateOn follows the dates', async () => {
    assert.equal((await post('/api/vat-rates', { rate_percent: 0, effective_from: '2027-01-01' }, s.token)).status, 400);
    assert.equal((await post('/api/vat-rates', { rate_percent: -5, effective_from: '2027-01-01' }, s.token)).status, 400);
    assert.equal((await post('/api/vat-rates', { rate_percent: 5, effective_from: '2027-02-01', effective_to: '2027-01-01' }, s.token)).status, 400);
    const r = await post('/api/vat-rates', { rate_percent: 7.5, effective_from: '2027-01-01' }, s.token);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    assert.deepEqual(r.body.vat_rates.map((v: any) => [v.rate_percent, v.effective_from, v.effective_to]), [
      [5, '2018-01-01', '2026-12-31'],
      [7.5, '2027-01-01', null],
    ]);
    const clash = await post('/api/vat-rates', { rate_percent: 6, effective_from: '2020-01-01', effective_to: '2020-12-31' }, s.token);
    assert.equal(clash.status, 409);
    assert.equal(await vatRateOn(env().sql, s.shopId, '2026-12-31'), 5);
    assert.equal(await vatRateOn(env().sql, s.shopId, '2027-01-01'), 7.5);
    assert.equal(await vatRateOn(env().sql, s.shopId, '2017-12-31'), undefined);
    const other = await newShop();
    assert.equal((await call('DELETE', `/api/vat-rates/${r.body.vat_rates[1].id}`, { token: other.token })).status, 404);
    assert.equal((await call('DELETE', `/api/vat-rates/${r.body.vat_rates[1].id}`, { token: s.cashier })).status, 403);
    const d = await call('DELETE', `/api/vat-rates/${r.body.vat_rates[1].id}`, { token: s.token });
    assert.equal(d.status, 200);
    assert.equal(d.body.vat_rates.length, 1);
  });

  it('loyalty: config and tiers are replaced with checks; accounts change tier at once', async () => {
    const shop = await newShop();
    const p = await addProduct(shop.shopId, 'Suit', 1200);
    const b = await post('/api/bills', { customer: { phone: '0509990001', name: 'Loyal' }, items: [{ product_id: p, quantity: 1 }] }, shop.token);
    assert.equal(b.body.loyalty.tier, 'Silver');
    const cid = b.body.customer_id;
    await settled(shop.shopId);
    const acc = await get(`/api/loyalty/customers/${cid}`, shop.cashier);
    assert.equal(acc.status, 200);
    assert.deepEqual([acc.body.available_points, acc.body.lifetime_points, acc.body.tier.name, acc.body.next_tier.name, acc.body.points_to_next_tier], [1200, 1200, 'Silver', 'Gold', 3800]);
    assert.equal((await put('/api/loyalty/tiers', { tiers: [{ name: 'Base', threshold_points: 10, multiplier: 1, discount_percent: 0 }] }, shop.token)).status, 400);
    assert.equal((await put('/api/loyalty/tiers', { tiers: [{ name: 'A', threshold_points: 0, multiplier: 2, discount_percent: 0 }, { name: 'B', threshold_points: 5, multiplier: 1, discount_percent: 0 }] }, shop.token)).status, 400);
    const t = await put('/api/loyalty/tiers', {
      tiers: [
        { name: 'Bronze', threshold_points: 0, multiplier: 1, discount_percent: 0 },
        { name: 'Gold', threshold_points: 1000, multiplier: 1.5, discount_percent: 10, colour: '#ffd700' },
      ],
    }, shop.manager);
    assert.equal(t.status, 200, JSON.stringify(t.body));
    const [row] = await env().sql<{ name: string }[]>`
      select t.name from loyalty_accounts a join loyalty_tiers t on t.id = a.tier_id where a.shop_id = ${shop.shopId} and a.customer_id = ${cid}`;
    assert.equal(row!.name, 'Gold');
    assert.equal((await put('/api/loyalty/tiers', { tiers: [{ name: 'A', threshold_points: 0, multiplier: 1, discount_percent: 0 }] }, shop.cashier)).status, 403);
    const cfg = await put('/api/loyalty/config', { enabled: true, program_name: 'Stars', points_per_unit: 2, point_value: 0.05, min_redeem_points: 50, max_redeem_percent: 30 }, shop.token);
    assert.equal(cfg.status, 200);
    assert.equal(cfg.body.loyalty.config.point_value, 0.05);
    assert.equal((await get('/api/loyalty/config', shop.terminal)).body.points_per_unit, 2);
    const ledger = await get(`/api/loyalty/customers/${cid}/ledger`, shop.cashier);
    assert.deepEqual(ledger.body.items.map((x: any) => [x.kind, x.points]), [['earned', 1200]]);
    assert.equal((await get(`/api/loyalty/customers/${cid}`, s.token)).status, 404);
    assert.equal((await get(`/api/loyalty/customers/${cid}`, shop.terminal)).status, 403);
  });
});
