import assert from 'node:assert/strict';
import { rebuildShop } from '../src/domain/aggregates/rebuild.ts';
import { verifyShop } from '../src/domain/aggregates/verify.ts';
import { tierFor } from '../src/domain/loyalty/tier-rule.ts';
import { env } from './support/env.ts';
import { addProduct, settled } from './support/fixtures.ts';
import { call, get, newShop, post, put, type Res, type ShopSession } from './support/http.ts';
import { recordingSettingsPushes } from './support/pushes.ts';

const HOSTILE = "Bob's '; drop table loyalty_tiers; --";
const HUGE = 'x'.repeat(10_000);

const fields = (r: Res) => (r.body.error.details as { field: string }[]).map((d) => d.field);

const CONFIG = { enabled: true, program_name: 'Stars', points_per_unit: 2, point_value: 0.05, min_redeem_points: 50, max_redeem_percent: 30 };
const tier = (name: string, threshold_points: number, multiplier = 1, discount_percent = 0) => ({ name, threshold_points, multiplier, discount_percent });

let phoneNo = 0;
/** A customer (and optionally a loyalty account) written with SQL, bypassing billing. */
async function addCustomer(shopId: number, account?: { lifetime: number; available?: number; tierName?: string }): Promise<number> {
  const sql = env().sql;
  phoneNo++;
  const [c] = await sql<{ id: number }[]>`
    insert into customers (shop_id, name, phone) values (${shopId}, ${`Customer ${phoneNo}`}, ${`+97150${String(1_000_000 + phoneNo)}`}) returning id`;
  if (account) {
    await sql`
      insert into loyalty_accounts (shop_id, customer_id, available_points, lifetime_points, tier_id, total_spent_fils, visits, last_purchase)
      values (${shopId}, ${c!.id}, ${account.available ?? account.lifetime}, ${account.lifetime},
        (select id from loyalty_tiers where shop_id = ${shopId} and name = ${account.tierName ?? 'Bronze'}),
        ${account.lifetime * 100}, 3, '2026-11-01T10:00:00Z')`;
  }
  return c!.id;
}

async function accountTier(shopId: number, customerId: number): Promise<string | null> {
  const [row] = await env().sql<{ name: string | null }[]>`
    select t.name from loyalty_accounts a left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
    where a.shop_id = ${shopId} and a.customer_id = ${customerId}`;
  return row!.name;
}


describe('loyalty programme', () => {
  let s: ShopSession;
  let other: ShopSession;
  before(async () => {
    [s, other] = await Promise.all([newShop(), newShop()]);
  });

  describe('GET|PUT /api/loyalty/config', () => {
    it('reads the defaults for every role including terminals; 401 without a token', async () => {
      for (const token of [s.token, s.manager, s.cashier, s.terminal]) {
        const r = await get('/api/loyalty/config', token);
        assert.equal(r.status, 200);
        assert.deepEqual(r.body, {
          enabled: true,
          program_name: 'Loyalty Rewards',
          points_per_unit: 1,
          point_value: 0.01,
          min_redeem_points: 100,
          max_redeem_percent: 20,
        });
      }
      assert.equal((await get('/api/loyalty/config')).status, 401);
    });

    it('replaces the config (point value stored in fils), bumps the version and pushes the loyalty section', async () => {
      const shop = await newShop();
      await recordingSettingsPushes(shop, async (pushes, arrived) => {
        const v0 = (await get('/api/shop-settings', shop.token)).body.version;
        const r = await put('/api/loyalty/config', { ...CONFIG, program_name: `  ${HOSTILE} ` }, shop.manager);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.version, v0 + 1);
        assert.deepEqual(r.body.loyalty.config, { ...CONFIG, program_name: HOSTILE });
        assert.equal(r.body.loyalty.tiers.length, 4);
        await arrived(1);
        assert.deepEqual(pushes, [{ shopId: shop.shopId, version: v0 + 1, section: 'loyalty', value: r.body.loyalty }]);
        const [row] = await env().sql<{ point_value_fils: number }[]>`select point_value_fils from loyalty_config where shop_id = ${shop.shopId}`;
        assert.equal(row!.point_value_fils, 5);
        assert.deepEqual((await get('/api/loyalty/config', shop.terminal)).body, { ...CONFIG, program_name: HOSTILE });
        assert.deepEqual((await get('/api/shop-settings', shop.terminal)).body.loyalty.config, { ...CONFIG, program_name: HOSTILE });
        await put('/api/loyalty/config', { ...CONFIG, point_value: 0.01 }, shop.token);
        const [again] = await env().sql<{ point_value_fils: number }[]>`select point_value_fils from loyalty_config where shop_id = ${shop.shopId}`;
        assert.equal(again!.point_value_fils, 1);
      });
      // another shop's programme is untouched
      assert.equal((await get('/api/loyalty/config', other.token)).body.program_name, 'Loyalty Rewards');
    });

    it('rejects bad fields with 400 naming them', async () => {
      const cases: [Record<string, unknown>, string][] = [
        [{ ...CONFIG, point_value: 0.015 }, 'point_value'],
        [{ ...CONFIG, point_value: 0 }, 'point_value'],
        [{ ...CONFIG, points_per_unit: 1.234 }, 'points_per_unit'],
        [{ ...CONFIG, points_per_unit: -1 }, 'points_per_unit'],
        [{ ...CONFIG, max_redeem_percent: 101 }, 'max_redeem_percent'],
        [{ ...CONFIG, max_redeem_percent: 10.005 }, 'max_redeem_percent'],
        [{ ...CONFIG, min_redeem_points: 1.5 }, 'min_redeem_points'],
        [{ ...CONFIG, program_name: HUGE }, 'program_name'],
        [{ ...CONFIG, program_name: ' ' }, 'program_name'],
        [{ ...CONFIG, enabled: 'yes' }, 'enabled'],
        [{ enabled: true }, 'program_name'],
      ];
      for (const [body, field] of cases) {
        const r = await put('/api/loyalty/config', body, s.token);
        assert.equal(r.status, 400, JSON.stringify(body).slice(0, 80));
        assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
      }
    });

    it('is written by owners and managers only', async () => {
      assert.equal((await put('/api/loyalty/config', CONFIG, s.cashier)).status, 403);
      assert.equal((await put('/api/loyalty/config', CONFIG, s.terminal)).status, 403);
      assert.equal((await put('/api/loyalty/config', CONFIG)).status, 401);
    });
  });

  describe('GET|PUT /api/loyalty/tiers', () => {
    it('lists the tiers lowest first for every role', async () => {
      for (const token of [s.token, s.cashier, s.terminal]) {
        const r = await get('/api/loyalty/tiers', token);
        assert.equal(r.status, 200);
        assert.deepEqual(
          r.body.items.map((t: any) => [t.name, t.threshold_points, t.multiplier, t.discount_percent, t.colour]),
          [
            ['Bronze', 0, 1, 0, '#cd7f32'],
            ['Silver', 1000, 1.1, 5, '#c0c0c0'],
            ['Gold', 5000, 1.25, 10, '#ffd700'],
            ['Platinum', 15000, 1.5, 15, '#e5e4e2'],
          ],
        );
      }
      assert.equal((await get('/api/loyalty/tiers')).status, 401);
    });

    it('rejects a tier set breaking the rules with 400 naming the tier and field', async () => {
      const cases: [unknown, string][] = [
        [[tier('Base', 10)], 'tiers.0.threshold_points'],
        [[tier('A', 0), tier('a ', 100)], 'tiers.1.name'],
        [[tier('A', 0), tier('B', 0)], 'tiers.1.threshold_points'],
        [[tier('A', 0, 2), tier('B', 5, 1.5)], 'tiers.1.multiplier'],
        [[tier('A', 0, 0.5)], 'tiers.0.multiplier'],
        [[tier('A', 0, 1.234)], 'tiers.0.multiplier'],
        [[tier('A', 0, 1, 5.555)], 'tiers.0.discount_percent'],
        [[tier('A', 0, 1, 101)], 'tiers.0.discount_percent'],
        [[{ ...tier('A', 0), colour: 'red' }], 'tiers.0.colour'],
        [[{ ...tier('A', 0), perks: HUGE }], 'tiers.0.perks'],
        [[tier(HUGE, 0)], 'tiers.0.name'],
        [[tier('A', -1)], 'tiers.0.threshold_points'],
        [[], 'tiers'],
        [Array.from({ length: 11 }, (_, i) => tier(`T${i}`, i * 10)), 'tiers'],
        [undefined, 'tiers'],
      ];
      for (const [tiers, field] of cases) {
        const r = await put('/api/loyalty/tiers', { tiers }, s.token);
        assert.equal(r.status, 400, JSON.stringify(tiers)?.slice(0, 80));
        assert.ok(fields(r).includes(field), `${field} in ${JSON.stringify(fields(r))}`);
      }
      assert.equal((await get('/api/loyalty/tiers', s.token)).body.items.length, 4, 'nothing changed');
    });

    it('is written by owners and managers only', async () => {
      const body = { tiers: [tier('Only', 0)] };
      assert.equal((await put('/api/loyalty/tiers', body, s.cashier)).status, 403);
      assert.equal((await put('/api/loyalty/tiers', body, s.terminal)).status, 403);
      assert.equal((await put('/api/loyalty/tiers', body)).status, 401);
    });

    it('replaces the set in one go: matching names keep their rows, every account is re-evaluated, unused tiers go', async () => {
      const shop = await newShop();
      const before = (await get('/api/loyalty/tiers', shop.token)).body.items as any[];
      const idOf = (name: string) => before.find((t) => t.name === name).id;
      const c0 = await addCustomer(shop.shopId, { lifetime: 0 });
      const c1500 = await addCustomer(shop.shopId, { lifetime: 1500, available: 200, tierName: 'Silver' });
      const c6000 = await addCustomer(shop.shopId, { lifetime: 6000, tierName: 'Gold' });
      const c20000 = await addCustomer(shop.shopId, { lifetime: 20000, tierName: 'Platinum' });
      const theirs = await addCustomer(other.shopId, { lifetime: 1500, tierName: 'Silver' });
      // accounts are read from the aggregates: rebuild them from Postgres, as after a Redis loss
      assert.equal((await rebuildShop(env().sql, env().redis, env().deps.keys, shop.shopId)).status, 'rebuilt');
      await recordingSettingsPushes(shop, async (pushes, arrived) => {
        const v0 = (await get('/api/shop-settings', shop.token)).body.version;
        const r = await put(
          '/api/loyalty/tiers',
          {
            tiers: [
              { ...tier('Diamond', 10000, 2, 20), perks: HOSTILE, colour: '#b9f2ff' },
              tier('bronze', 0),
              tier('Gold', 2000, 1.5, 10),
            ],
          },
          shop.manager,
        );
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.version, v0 + 1);
        await arrived(1);
        assert.deepEqual(pushes.map((p) => [p.version, p.section]), [[v0 + 1, 'loyalty']]);
        assert.deepEqual(pushes[0]!.value, r.body.loyalty);
        const items = r.body.loyalty.tiers as any[];
        assert.deepEqual(items.map((t) => [t.name, t.threshold_points, t.multiplier, t.discount_percent]), [
          ['bronze', 0, 1, 0],
          ['Gold', 2000, 1.5, 10],
          ['Diamond', 10000, 2, 20],
        ]);
        assert.equal(items[0].id, idOf('Bronze'), 'matched by name, case-insensitively');
        assert.equal(items[1].id, idOf('Gold'));
        assert.equal(items[2].perks, HOSTILE);
        assert.deepEqual((await get('/api/loyalty/tiers', shop.terminal)).body.items, items);
      });
      assert.equal(await accountTier(shop.shopId, c0), 'bronze');
      assert.equal(await accountTier(shop.shopId, c1500), 'bronze');
      assert.equal(await accountTier(shop.shopId, c6000), 'Gold');
      assert.equal(await accountTier(shop.shopId, c20000), 'Diamond');
      assert.equal(await accountTier(other.shopId, theirs), 'Silver', 'another shop is untouched');
      const [n] = await env().sql<{ n: number }[]>`select count(*)::int as n from loyalty_tiers where shop_id = ${shop.shopId}`;
      assert.equal(n!.n, 3);

      // thresholds may swap between existing tiers
      const swap = await put('/api/loyalty/tiers', { tiers: [tier('Bronze', 0), tier('Diamond', 2000, 1.5), tier('Gold', 10000, 2)] }, shop.token);
      assert.equal(swap.status, 200, JSON.stringify(swap.body));
      assert.equal(await accountTier(shop.shopId, c6000), 'Diamond');
      assert.equal(await accountTier(shop.shopId, c20000), 'Gold');
      // the SQL re-tiering and the TypeScript rule (tier-rule.ts) agree on every account, at every threshold edge
      const edges = [1999, 2000, 2001, 9999, 10000];
      const edgeIds = await Promise.all(edges.map((lifetime) => addCustomer(shop.shopId, { lifetime })));
      const swapped: { name: string; threshold_points: number }[] = (await put('/api/loyalty/tiers', { tiers: [tier('Bronze', 0), tier('Diamond', 2000, 1.5), tier('Gold', 10000, 2)] }, shop.token)).body.loyalty.tiers;
      for (const [i, lifetime] of edges.entries()) assert.equal(await accountTier(shop.shopId, edgeIds[i]!), tierFor(swapped, lifetime)?.name, `lifetime ${lifetime}`);
      // the account read agrees with the re-evaluation at once, before the aggregator has applied its event
      const acc = await get(`/api/loyalty/customers/${c1500}`, shop.cashier);
      assert.equal(acc.status, 200);
      assert.deepEqual(acc.body, {
        customer_id: c1500,
        available_points: 200,
        lifetime_points: 1500,
        tier: { id: idOf('Bronze'), name: 'Bronze', colour: '#999999', multiplier: 1, discount_percent: 0 },
        total_spent: 1500,
        visits: 3,
        last_purchase: '2026-11-01T10:00:00.000Z',
        next_tier: { name: 'Diamond', threshold_points: 2000 },
        points_to_next_tier: 500,
      });
      const top = await get(`/api/loyalty/customers/${c20000}`, shop.cashier);
      assert.equal(top.body.tier.name, 'Gold');
      assert.equal(top.body.next_tier, null);
      assert.equal(top.body.points_to_next_tier, 0);
    });
  });

  describe('tier replacements racing bills and cancellations', () => {
    it('every account ends on an existing tier, the one its lifetime points give under the final set', async () => {
      const shop = await newShop();
      const p = await addProduct(shop.shopId, 'Alteration', 150);
      // Existing accounts just below, at and above the thresholds used below.
      const existing = await Promise.all([0, 250, 299, 300, 580, 900, 1500, 2900].map((lifetime) => addCustomer(shop.shopId, { lifetime })));
      // they were written with SQL, bypassing events: the aggregates start from Postgres
      assert.equal((await rebuildShop(env().sql, env().redis, env().deps.keys, shop.shopId)).status, 'rebuilt');
      // Bills to cancel during the race (each took 150 points).
      const toCancel: number[] = [];
      for (const cid of existing.slice(0, 4)) {
        const b = await post('/api/bills', { customer: { id: cid }, items: [{ product_id: p, quantity: 1 }] }, shop.token);
        assert.equal(b.status, 201, JSON.stringify(b.body));
        toCancel.push(b.body.id);
      }
      // Each set has new names (so the previous tiers are all deleted) and new thresholds.
      const set = (i: number) => ({
        tiers: [tier(`Base ${i}`, 0), tier(`Mid ${i}`, 100 + 100 * (i % 5), 1.1), tier(`Top ${i}`, 600 + 200 * (i % 4), 1.5)],
      });
      const work: Promise<{ what: string; status: number; body: any }>[] = [];
      const track = (what: string, r: Promise<Res>) => work.push(r.then((x) => ({ what, status: x.status, body: x.body })));
      for (let round = 0; round < 6; round++) {
        track(`tiers ${round}`, put('/api/loyalty/tiers', set(round), shop.manager));
        for (const [k, cid] of existing.entries()) {
          track(`bill ${round}/${cid}`, post('/api/bills', { customer: { id: cid }, items: [{ product_id: p, quantity: 1 }] }, shop.cashier));
          if (k % 2 === 0) {
            // a customer seen for the first time: enrolled by the bill
            const phone = `+97152${String(1_000_000 + round * 100 + k)}`;
            track(`new ${round}/${k}`, post('/api/bills', { customer: { phone, name: `New ${round}/${k}` }, items: [{ product_id: p, quantity: 2 }] }, shop.terminal));
          }
        }
        const bill = toCancel[round];
        if (bill !== undefined) track(`cancel ${bill}`, post(`/api/bills/${bill}/cancel`, { reason: 'race' }, shop.token));
      }
      const results = await Promise.all(work);
      const failed = results.filter((r) => r.status >= 300);
      assert.deepEqual(failed, [], 'every request succeeds');

      const rows = await env().sql<{ customer_id: number; lifetime_points: number; tier_id: number | null; expected: number | null }[]>`
        select a.customer_id, a.lifetime_points, a.tier_id,
          (select t.id from loyalty_tiers t where t.shop_id = a.shop_id and t.threshold_points <= a.lifetime_points
           order by t.threshold_points desc limit 1) as expected
        from loyalty_accounts a where a.shop_id = ${shop.shopId} order by a.customer_id`;
      assert.equal(rows.length, existing.length + 6 * 4);
      const tierIds = (await get('/api/loyalty/tiers', shop.token)).body.items.map((t: any) => t.id);
      for (const r of rows) {
        assert.ok(r.tier_id !== null && tierIds.includes(r.tier_id), `customer ${r.customer_id} on tier ${r.tier_id}, not one of ${tierIds}`);
        assert.equal(r.tier_id, r.expected, `customer ${r.customer_id} with ${r.lifetime_points} points`);
      }
      // the aggregates' copies of the accounts agree with Postgres: each replacement's event is
      // ordered with the bills' and cancellations' events as their transactions were
      const v = await verifyShop(env().sql, env().redis, env().deps.keys, shop.shopId);
      assert.deepEqual([v.error, v.differences], [undefined, []]);
      // and the read side agrees
      const last = rows[rows.length - 1]!;
      const acc = await get(`/api/loyalty/customers/${last.customer_id}`, shop.cashier);
      assert.equal(acc.body.tier.id, last.expected);
    });
  });

  describe('GET /api/loyalty/customers/:id and /ledger', () => {
    it('reads an account made by billing, and follows a tier replacement at once', async () => {
      const shop = await newShop();
      const p = await addProduct(shop.shopId, 'Suit', 1200);
      const b = await post('/api/bills', { customer: { phone: '0509990001', name: 'Loyal' }, items: [{ product_id: p, quantity: 1 }] }, shop.token);
      assert.equal(b.status, 201, JSON.stringify(b.body));
      const cid = b.body.customer_id;
      await settled(shop.shopId);
      const acc = await get(`/api/loyalty/customers/${cid}`, shop.cashier);
      assert.equal(acc.status, 200);
      assert.deepEqual(
        [acc.body.available_points, acc.body.lifetime_points, acc.body.tier.name, acc.body.next_tier.name, acc.body.points_to_next_tier, acc.body.visits, acc.body.total_spent],
        [1200, 1200, 'Silver', 'Gold', 3800, 1, 1200],
      );
      assert.equal(typeof acc.body.last_purchase, 'string');
      const t = await put('/api/loyalty/tiers', { tiers: [tier('Bronze', 0), tier('Silver', 2000, 1.1, 5)] }, shop.token);
      assert.equal(t.status, 200);
      const after = await get(`/api/loyalty/customers/${cid}`, shop.manager);
      assert.equal(after.body.tier.name, 'Bronze');
      assert.deepEqual(after.body.next_tier, { name: 'Silver', threshold_points: 2000 });
      assert.equal(after.body.points_to_next_tier, 800);
      assert.equal(await accountTier(shop.shopId, cid), 'Bronze');

      const ledger = await get(`/api/loyalty/customers/${cid}/ledger`, shop.cashier);
      assert.equal(ledger.status, 200);
      assert.deepEqual(ledger.body.items.map((x: any) => [x.kind, x.points, x.bill_id, x.bill_number]), [['earned', 1200, b.body.id, b.body.bill_number]]);
    });

    it('a cancellation takes back only what its bill added: a bill made with the programme off changes nothing', async () => {
      const shop = await newShop();
      const p = await addProduct(shop.shopId, 'Shirt', 100);
      const cfg = (await get('/api/loyalty/config', shop.token)).body;
      const bill = (qty: number) => post('/api/bills', { customer: { phone: '0509990002', name: 'Sometimes' }, items: [{ product_id: p, quantity: qty }] }, shop.token);
      const figures = async (cid: number) => {
        await settled(shop.shopId);
        const a = (await get(`/api/loyalty/customers/${cid}`, shop.token)).body;
        return [a.total_spent, a.visits, a.lifetime_points];
      };
      const counted = await bill(1); // programme on: 100 spent, 1 visit, 100 points
      assert.equal(counted.status, 201);
      const cid = counted.body.customer_id;
      assert.equal((await put('/api/loyalty/config', { ...cfg, enabled: false }, shop.token)).status, 200);
      const uncounted = await bill(2); // programme off: the account is not touched
      assert.deepEqual(await figures(cid), [100, 1, 100]);
      assert.equal((await post(`/api/bills/${uncounted.body.id}/cancel`, { reason: 'test' }, shop.token)).status, 200);
      assert.deepEqual(await figures(cid), [100, 1, 100]);
      // a bill counted while the programme was on is taken back even after it was switched off
      assert.equal((await post(`/api/bills/${counted.body.id}/cancel`, { reason: 'test' }, shop.token)).status, 200);
      assert.deepEqual(await figures(cid), [0, 0, 0]);
      const [row] = await env().sql<{ n: number }[]>`select count(*)::int as n from loyalty_accounts where shop_id = ${shop.shopId} and total_spent_fils < 0`;
      assert.equal(row!.n, 0);
    });

    it('answers zeros in the lowest tier for a customer without an account', async () => {
      const cid = await addCustomer(s.shopId);
      const r = await get(`/api/loyalty/customers/${cid}`, s.token);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {
        customer_id: cid,
        available_points: 0,
        lifetime_points: 0,
        tier: { id: r.body.tier.id, name: 'Bronze', colour: '#cd7f32', multiplier: 1, discount_percent: 0 },
        total_spent: 0,
        visits: 0,
        last_purchase: null,
        next_tier: { name: 'Silver', threshold_points: 1000 },
        points_to_next_tier: 1000,
      });
      const l = await get(`/api/loyalty/customers/${cid}/ledger`, s.token);
      assert.deepEqual(l.body, { items: [], page: 1, per_page: 50, total: 0 });
    });

    it('pages the ledger newest first with a stable order', async () => {
      const cid = await addCustomer(s.shopId, { lifetime: 450, available: 350 });
      const sql = env().sql;
      const at = '2026-11-01T10:00:00Z'; // the same instant for all: the id decides the order
      const rows = [
        ['earned', 300],
        ['bonus', 150],
        ['redeemed', -100],
        ['adjusted', 5],
        ['adjusted', -5],
      ] as const;
      for (const [kind, points] of rows) {
        await sql`insert into loyalty_ledger (shop_id, customer_id, kind, points, note, created_at) values (${s.shopId}, ${cid}, ${kind}, ${points}, ${HOSTILE}, ${at})`;
      }
      const all = await get(`/api/loyalty/customers/${cid}/ledger?per_page=200`, s.cashier);
      assert.equal(all.status, 200);
      assert.equal(all.body.total, 5);
      assert.deepEqual(all.body.items.map((x: any) => x.points), [-5, 5, -100, 150, 300]);
      assert.equal(all.body.items[0].note, HOSTILE);
      const pages = [];
      for (let page = 1; page <= 3; page++) {
        const r = await get(`/api/loyalty/customers/${cid}/ledger?per_page=2&page=${page}`, s.cashier);
        assert.deepEqual([r.body.page, r.body.per_page, r.body.total], [page, 2, 5]);
        pages.push(...r.body.items.map((x: any) => x.id));
      }
      assert.deepEqual(pages, all.body.items.map((x: any) => x.id));
      assert.deepEqual((await get(`/api/loyalty/customers/${cid}/ledger?page=9`, s.cashier)).body.items, []);
      for (const q of ['per_page=201', 'per_page=0', 'page=0', 'page=abc']) {
        const r = await get(`/api/loyalty/customers/${cid}/ledger?${q}`, s.cashier);
        assert.equal(r.status, 400, q);
        assert.ok(fields(r).some((f) => f === 'page' || f === 'per_page'), JSON.stringify(fields(r)));
      }
    });

    it('404 for unknown, deleted and other shops’ customers; 403 for terminals; 401 without a token; 400 for a bad id', async () => {
      const mine = await addCustomer(s.shopId, { lifetime: 10 });
      const deleted = await addCustomer(s.shopId, { lifetime: 10 });
      await env().sql`update customers set deleted_at = now() where id = ${deleted}`;
      for (const suffix of ['', '/ledger']) {
        for (const id of [999_999_999, deleted]) {
          const r = await get(`/api/loyalty/customers/${id}${suffix}`, s.token);
          assert.equal(r.status, 404, `${id}${suffix}`);
          assert.equal(r.body.error.code, 'not_found');
        }
        assert.equal((await get(`/api/loyalty/customers/${mine}${suffix}`, other.token)).status, 404);
        assert.equal((await get(`/api/loyalty/customers/${mine}${suffix}`, other.cashier)).status, 404);
        assert.equal((await get(`/api/loyalty/customers/${mine}${suffix}`, s.terminal)).status, 403);
        assert.equal((await get(`/api/loyalty/customers/${mine}${suffix}`)).status, 401);
        assert.equal((await get(`/api/loyalty/customers/abc${suffix}`, s.token)).status, 400);
        assert.equal((await call('GET', `/api/loyalty/customers/${encodeURIComponent(HOSTILE)}${suffix}`, { token: s.token })).status, 400);
        assert.equal((await get(`/api/loyalty/customers/${mine}${suffix}`, s.cashier)).status, 200);
      }
    });
  });
});
