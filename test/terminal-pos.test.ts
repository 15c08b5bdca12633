/**
 * The POS screen in a real browser (Debian's chromium driven by playwright-core), at a 1280×800
 * counter and an 800×1280 tablet: selling by tile, by search and by barcode, cash with change,
 * the printed 80 mm tax invoice; then selling with the network cut (context.setOffline), a reload
 * while offline, and the sync when it returns: each bill exactly once, dated when it was sold;
 * and a sync cut after the server committed, retried: one bill. Screenshots go to test/artifacts/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { env } from './support/env.ts';
import { until } from './support/sockets.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;
const TRN = '100234567890003';

describe('the POS screen in a browser', function () {
  this.timeout(180_000);
  let browser: Browser;
  let base: string;
  let owner: { token: string; shopId: number; email: string; password: string };
  const ids = new Map<string, number>();

  async function api(method: string, path: string, body?: unknown, token = owner.token) {
    const r = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await r.text();
    return { status: r.status, body: (text ? JSON.parse(text) : undefined) as any };
  }

  async function openCounter(ctx: BrowserContext, name: string): Promise<{ page: Page; terminalId: number; token: string }> {
    const term = await api('POST', '/api/terminals', { name });
    assert.equal(term.status, 201);
    const page = await ctx.newPage();
    await page.goto(`${base}/terminal`);
    await page.fill('#token-input', term.body.token);
    await page.click('#token-save');
    await page.waitForSelector('#tiles .tile');
    await page.waitForSelector('#indicator[data-state="live"]');
    return { page, terminalId: term.body.id, token: term.body.token };
  }

  const billsOf = (terminalId: number) =>
    env().sql<{ id: number; bill_number: string; offline_ref: string | null; created_at: Date; total_fils: number }[]>`
      select id, bill_number, offline_ref, created_at, total_fils from bills where created_by_terminal = ${terminalId} order by id`;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does this)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    base = env().baseUrl;
    const email = `pos-${Date.now()}@test.tajir`;
    const r = await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shop_name: 'Al Noor Tailors', email, password: 'pos-pass-123' }),
    });
    const s = (await r.json()) as any;
    owner = { token: s.token, shopId: s.shop.id, email, password: 'pos-pass-123' };
    const info = await api('PUT', '/api/shop-settings/shop-info', { name: 'Al Noor Tailors', address: 'Shop 4, Al Fahidi St', city: 'Dubai', trn: TRN, phone: '+97142222222' });
    assert.equal(info.status, 200, JSON.stringify(info.body));
    // a tailor's catalogue of 40 products in 4 types
    for (const [type, names] of Object.entries({
      Tailoring: ['Kandura', 'Abaya', 'Shirt', 'Trousers', 'Jacket', 'Suit', 'Waistcoat', 'Jalabiya', 'Dress', 'Skirt'],
      Alterations: ['Hemming', 'Zip', 'Take in', 'Let out', 'Sleeves', 'Buttons', 'Patch', 'Lining', 'Collar', 'Cuffs'],
      Fabrics: ['Cotton', 'Linen', 'Silk', 'Wool', 'Chiffon', 'Crepe', 'Satin', 'Velvet', 'Denim', 'Lace'],
      Accessories: ['Cufflinks', 'Tie', 'Scarf', 'Belt', 'Cap', 'Shawl', 'Pin', 'Brooch', 'Bag', 'Gloves'],
    })) {
      const t = await api('POST', '/api/product-types', { name: type });
      assert.equal(t.status, 201, JSON.stringify(t.body));
      for (const [i, name] of names.entries()) {
        const p = await api('POST', '/api/products', { type_id: t.body.id, name, rate: 20 + i * 15, barcode: `629${String(t.body.id).padStart(4, '0')}${String(i).padStart(6, '0')}` });
        assert.equal(p.status, 201, JSON.stringify(p.body));
        ids.set(name, p.body.id);
      }
    }
    await api('POST', '/api/employees', { name: 'Rashid', phone: '0501230000', position: 'Tailor' });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
  });

  for (const [label, viewport] of [['1280x800', { width: 1280, height: 800 }], ['800x1280', { width: 800, height: 1280 }]] as const) {
    it(`${label}: sells by tile, search and barcode, takes cash with change, prints a tax invoice`, async () => {
      const ctx = await browser.newContext({ viewport });
      const { page, terminalId } = await openCounter(ctx, `Counter ${label}`);
      // tiles grouped by type, each with its price
      assert.equal(await page.locator('#tiles .tile').count(), 40);
      assert.equal(await page.locator('#tiles .tile-group').count(), 4);
      assert.match((await page.textContent(`.tile[data-product-id="${ids.get('Kandura')}"] .price`)) ?? '', /20\.00/);
      // by tile (twice: the quantity goes up), by search + Enter, by barcode + Enter
      await page.click(`.tile[data-product-id="${ids.get('Abaya')}"]`);
      await page.click(`.tile[data-product-id="${ids.get('Abaya')}"]`);
      await page.fill('#search', 'silk');
      assert.equal(await page.locator('#tiles .tile').count(), 1);
      await page.press('#search', 'Enter');
      await page.fill('#search', '');
      const tie = (await api('GET', `/api/products/${ids.get('Tie')}`)).body;
      await page.fill('#barcode', tie.barcode);
      await page.press('#barcode', 'Enter');
      assert.equal(await page.locator('#cart-table tr').count(), 3);
      // − and + and a line discount
      const silkRow = page.locator(`#cart-table tr[data-product-id="${ids.get('Silk')}"]`);
      await silkRow.locator('.plus').click();
      await silkRow.locator('.plus').click();
      await silkRow.locator('.minus').click();
      assert.equal((await silkRow.locator('.q').textContent())?.trim(), '2');
      await silkRow.locator('.line-discount').fill('10');
      await silkRow.locator('.line-discount').press('Tab');
      // the running totals are the server's: Abaya 35 × 2, Silk 50 × 2 at 10%, Tie 35
      const quote = await api('POST', '/api/bills/quote', {
        items: [{ product_id: ids.get('Abaya'), quantity: 2 }, { product_id: ids.get('Silk'), quantity: 2, discount_percent: 10 }, { product_id: ids.get('Tie'), quantity: 1 }],
      });
      await page.waitForFunction((v) => Number(document.querySelector('#cart-total')?.getAttribute('data-value')) === v, quote.body.total_amount);
      assert.match((await page.textContent('#cart-vat')) ?? '', new RegExp(quote.body.vat_amount.toFixed(2)));
      const business = label === '800x1280';
      await page.fill('#customer-phone', business ? '0501118888' : '0501119999');
      await page.fill('#customer-name', 'Fatima');
      if (business) {
        // a business customer: its name and TRN go on the tax invoice
        await page.check('#customer-business');
        await page.fill('#customer-business-name', 'Fatima Trading LLC');
        await page.fill('#customer-trn', '100987654300003');
      }
      await page.selectOption('#master', { label: 'Rashid' });
      await page.screenshot({ path: `${ARTIFACTS}pos-${label}.png` });
      // charge: cash, a quick amount, the change
      await page.click('#charge');
      await page.waitForSelector('#pay-panel:not(.hidden)');
      const quick = page.locator('.quick-amount').nth(1);
      const handed = Number(await quick.getAttribute('data-amount'));
      assert.ok(handed > quote.body.total_amount);
      await quick.click();
      const change = Math.round((handed - quote.body.total_amount) * 100) / 100;
      assert.equal(Number(await page.getAttribute('#change-due', 'data-value')), change);
      await page.evaluate(() => {
        (window as any).printed = 0;
        window.print = () => {
          (window as any).printed++;
        };
      });
      await page.click('#pay-complete');
      await page.waitForSelector('#receipt-number', { timeout: 10_000 });
      const [bill] = await billsOf(terminalId);
      assert.ok(bill);
      assert.equal((await page.textContent('#receipt-number'))?.trim(), bill.bill_number);
      const detail = (await api('GET', `/api/bills/${bill.id}`)).body;
      assert.deepEqual([detail.total_amount, detail.paid, detail.status, detail.customer.name], [quote.body.total_amount, quote.body.total_amount, 'Paid', 'Fatima']);
      if (business) assert.deepEqual([detail.customer.customer_type, detail.customer.trn], ['Business', '100987654300003']);
      // the receipt is a simplified tax invoice
      const text = (await page.textContent('#receipt-paper')) ?? '';
      const who = business ? ['Fatima Trading LLC', '100987654300003'] : ['Fatima'];
      for (const must of ['Tax Invoice', 'Al Noor Tailors', 'Shop 4, Al Fahidi St', TRN, bill.bill_number, 'Abaya', 'Silk', 'Tie', ...who, 'Total incl. VAT']) {
        assert.ok(text.includes(must), `the receipt lacks "${must}": ${text}`);
      }
      assert.ok(text.includes(quote.body.vat_amount.toFixed(2)), 'the VAT');
      assert.ok(text.includes(quote.body.total_amount.toFixed(2)), 'the total');
      assert.match((await page.textContent('#receipt-change')) ?? '', new RegExp(change.toFixed(2)));
      await page.click('#print');
      assert.equal(await page.evaluate(() => (window as any).printed), 1);
      // @media print: the receipt alone, 80 mm wide
      await page.emulateMedia({ media: 'print' });
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('.pos')!).display), 'none');
      assert.equal(await page.evaluate(() => getComputedStyle(document.querySelector('#print')!).display), 'none');
      const widthMm = await page.evaluate(() => (document.querySelector('#receipt .panel') as HTMLElement).getBoundingClientRect().width / (96 / 25.4));
      assert.ok(widthMm > 70 && widthMm <= 80, `${widthMm} mm`);
      await page.screenshot({ path: `${ARTIFACTS}pos-receipt-${label}.png`, fullPage: true });
      await page.emulateMedia({ media: 'screen' });
      await page.click('#new-sale');
      // Arabic, right to left
      await page.click('#lang');
      await page.waitForFunction(() => document.documentElement.dir === 'rtl');
      assert.match((await page.textContent('#charge')) ?? '', /الدفع/);
      await page.screenshot({ path: `${ARTIFACTS}pos-ar-${label}.png` });
      await page.click('#lang');
      await ctx.close();
    });
  }

  it('a cashier signs in by PIN and her bills name her; a returning customer shows tier and points, and the tier discount applies', async () => {
    const email = `pin-${Date.now()}@test.tajir`;
    const cashier = await api('POST', '/api/users', { email, password: 'pos-pass-123', name: 'Mariam', role: 'cashier' });
    assert.equal(cashier.status, 201, JSON.stringify(cashier.body));
    assert.equal((await api('PUT', `/api/users/${cashier.body.id}/pin`, { pin: '2468' })).status, 204);
    // 1,000 points make a Silver (5%) customer
    const first = await api('POST', '/api/bills', { customer: { phone: '0509990000', name: 'Salma' }, items: [{ product_id: ids.get('Kandura'), quantity: 50 }] });
    assert.equal(first.body.loyalty.tier, 'Silver');
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, terminalId } = await openCounter(ctx, 'Counter PIN');
    await page.click('#cashier-button');
    for (const k of '2468') await page.click(`.keypad .key:text-is("${k}")`);
    await page.click('#pin-submit');
    await page.waitForSelector('#cashier-name');
    assert.match((await page.textContent('#cashier-name')) ?? '', /Mariam/);
    await page.fill('#customer-phone', '050 999 0000');
    await page.waitForSelector('#customer-tier-name');
    assert.equal((await page.textContent('#customer-tier-name'))?.trim(), 'Silver');
    assert.match((await page.textContent('#customer-points')) ?? '', /1,000/);
    await page.click(`.tile[data-product-id="${ids.get('Suit')}"]`); // 95.00, 5% off
    await page.waitForFunction(() => Number(document.querySelector('#cart-total')?.getAttribute('data-value')) === 90.25);
    await page.click('#charge');
    await page.click('#pay-complete');
    await page.waitForSelector('#receipt-number');
    assert.match((await page.textContent('#receipt-paper')) ?? '', /Mariam/);
    const [bill] = await env().sql<{ cashier_id: number; total_fils: number; customer_id: number }[]>`
      select cashier_id, total_fils, customer_id from bills where created_by_terminal = ${terminalId}`;
    assert.deepEqual([bill!.cashier_id, bill!.total_fils, bill!.customer_id], [cashier.body.id, 9025, first.body.customer_id]);
    await page.click('#new-sale');
    await page.click('#cashier-signout');
    await page.waitForSelector('#cashier-button');
    await ctx.close();
  });

  it('sells three bills offline, survives a reload offline, then syncs each exactly once at the hour of sale', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const { page, terminalId } = await openCounter(ctx, 'Counter offline');
    // the service worker controls the page before the network goes (it serves the reload)
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 15_000 });
    await ctx.setOffline(true);
    await page.waitForSelector('#indicator[data-state="offline"], #indicator[data-state="reconnecting"]');
    const soldAt: number[] = [];
    for (const name of ['Kandura', 'Shirt', 'Scarf']) {
      await page.click(`.tile[data-product-id="${ids.get(name)}"]`);
      await page.click('#charge');
      await page.click('#pay-complete');
      soldAt.push(Date.now());
      await page.waitForSelector('#receipt-ref');
      assert.match((await page.textContent('#receipt-title')) ?? '', /PROVISIONAL/);
      await page.click('#new-sale');
    }
    await page.waitForFunction(() => document.querySelector('#outbox-button')?.getAttribute('data-count') === '3');
    await page.screenshot({ path: `${ARTIFACTS}pos-offline.png` });
    assert.equal((await billsOf(terminalId)).length, 0);
    await page.reload();
    await page.waitForSelector('#tiles .tile', { timeout: 15_000 });
    await page.waitForFunction(() => document.querySelector('#outbox-button')?.getAttribute('data-count') === '3');
    await ctx.setOffline(false);
    await page.waitForFunction(() => document.querySelector('#outbox-button')?.getAttribute('data-count') === '0', undefined, { timeout: 30_000 });
    const bills = await billsOf(terminalId);
    assert.equal(bills.length, 3);
    assert.equal(new Set(bills.map((b) => b.offline_ref)).size, 3);
    // synced in the order sold: the numbers follow the local counter
    assert.deepEqual(bills.map((b) => b.offline_ref!.split('-').at(-1)), ['1', '2', '3']);
    const hourOf = (ms: number) => Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Dubai', hour: '2-digit', hourCycle: 'h23' }).format(ms));
    const dayOf = (ms: number) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Dubai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(ms).replaceAll('-', '');
    for (const [i, b] of bills.entries()) {
      assert.ok(Math.abs(b.created_at.getTime() - soldAt[i]!) < 5000, 'dated when sold');
      assert.ok(b.bill_number.startsWith(`BILL-${dayOf(soldAt[i]!)}-`), `${b.bill_number} numbered on the day of sale`);
      assert.equal(hourOf(b.created_at.getTime()), hourOf(soldAt[i]!));
    }
    // the dashboard page shows them in the hour of sale
    const dash = await ctx.newPage();
    await dash.goto(`${base}/`);
    await dash.fill('#email', owner.email);
    await dash.fill('#password', owner.password);
    await dash.click('#login-button');
    const sum = bills.reduce((s, b) => s + b.total_fils, 0) / 100;
    const hour = hourOf(soldAt[0]!);
    await dash.waitForFunction(
      ([h, v]) => (JSON.parse(document.querySelector('#chart-hourly')?.getAttribute('data-values') ?? '[]')[h] ?? 0) >= v,
      [hour, sum] as const,
      { timeout: 10_000 },
    );
    await dash.screenshot({ path: `${ARTIFACTS}pos-offline-dashboard.png`, fullPage: true });
    await ctx.close();
  });

  it('a bill sold offline at a price changed meanwhile is refused (stale_price) and stays listed with its reason', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const { page, terminalId } = await openCounter(ctx, 'Counter stale');
    await ctx.setOffline(true);
    // the price changes while this counter cannot hear of it
    assert.equal((await api('PATCH', `/api/products/${ids.get('Belt')}`, { rate: 99 })).status, 200);
    await page.click(`.tile[data-product-id="${ids.get('Belt')}"]`);
    await page.click('#charge');
    await page.click('#pay-complete');
    await page.waitForSelector('#receipt-ref');
    await page.click('#new-sale');
    await ctx.setOffline(false);
    await page.waitForFunction(() => document.querySelector('#outbox-button')?.getAttribute('data-refused') === '1', undefined, { timeout: 30_000 });
    assert.equal(await page.getAttribute('#outbox-button', 'data-count'), '0');
    await page.click('#outbox-button');
    const listed = (await page.textContent('#refused-list')) ?? '';
    assert.match(listed, /stale_price/);
    assert.match(listed, /sold at AED.65\.00; the price then AED.99\.00, now AED.99\.00/);
    assert.equal((await billsOf(terminalId)).length, 0);
    await page.screenshot({ path: `${ARTIFACTS}pos-refused.png` });
    await ctx.close();
  });

  it('a sync cut after the server committed is retried and makes one bill', async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
    const { page, terminalId } = await openCounter(ctx, 'Counter cut');
    let cut = 0;
    await page.route('**/api/bills', async (route) => {
      if (route.request().method() === 'POST' && cut === 0) {
        cut++;
        await route.fetch(); // the server commits
        return route.abort('connectionreset'); // the answer never arrives
      }
      return route.continue();
    });
    await page.click(`.tile[data-product-id="${ids.get('Jacket')}"]`);
    await page.click('#charge');
    await page.click('#pay-complete');
    await page.waitForSelector('#receipt-ref');
    await until(async () => (await billsOf(terminalId)).length === 1, 10_000, 'the committed bill');
    assert.equal(await page.getAttribute('#outbox-button', 'data-count'), '1');
    // back online: the retry carries the same key and is answered with the first bill
    await ctx.setOffline(true);
    await ctx.setOffline(false);
    await page.waitForSelector('#receipt-number', { timeout: 30_000 });
    const bills = await billsOf(terminalId);
    assert.equal(bills.length, 1);
    assert.equal((await page.textContent('#receipt-number'))?.trim(), bills[0]!.bill_number);
    await ctx.close();
  });
});
