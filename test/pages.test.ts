/**
 * The pages in a real browser (Debian's chromium driven by playwright-core) against a server
 * process started from src/main.ts, so the test can stop and restart it.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { createLogger } from '../src/log.ts';
import { rooms } from '../src/realtime/contracts.ts';
import { createIo } from '../src/realtime/io.ts';
import { createKeys } from '../src/redis/keys.ts';
import { env } from './support/env.ts';
import { addEmployee, addProduct } from './support/fixtures.ts';
import { freePort } from './support/redis-server.ts';
import { type Service, spawnService } from './support/service.ts';
import { until } from './support/sockets.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = new URL('./artifacts/', import.meta.url).pathname;

describe('pages in a browser', function () {
  this.timeout(120_000);
  let browser: Browser;
  let port: number;
  let server: Service | undefined;
  let base: string;
  let owner: { token: string; email: string; shopId: number };
  const password = 'browser-pass-1';

  async function startServer(): Promise<void> {
    server = spawnService({ REDIS_PREFIX: `${env().config.redisPrefix}pages:`, PORT: String(port) });
    await server.ready();
  }

  async function stopServer(): Promise<void> {
    await server?.stop();
    server = undefined;
  }

  async function api(method: string, path: string, body?: unknown, token = owner.token) {
    const r = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as any };
  }

  async function login(page: Page): Promise<void> {
    await page.goto(`${base}/`);
    await page.fill('#email', owner.email);
    await page.fill('#password', password);
    await page.click('#login-button');
    await page.waitForSelector('#kpi-revenue');
    await page.waitForSelector('#indicator[data-state="live"]');
  }

  const kpi = async (page: Page, id: string) => Number(await page.getAttribute(`#${id}`, 'data-value'));

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium (.ci/run does this)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    await startServer();
    const email = `browser-${Date.now()}@test.tajir`;
    const r = await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ shop_name: 'Browser Tailors', email, password }),
    });
    const s = (await r.json()) as any;
    owner = { token: s.token, email, shopId: s.shop.id };
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  after(async () => {
    await browser?.close();
    await stopServer();
  });

  it('dashboard: a bill moves the figures and the feed within a second; a server restart is survived', async () => {
    const product = await addProduct(owner.shopId, 'Kandura', 120);
    const page = await browser.newPage();
    const polls: number[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname === '/api/dashboard') polls.push(Date.now());
    });
    await login(page);
    const before = await kpi(page, 'kpi-revenue');
    const posted = Date.now();
    const bill = await api('POST', '/api/bills', { items: [{ product_id: product, quantity: 2 }], payments: [{ amount: 50, method: 'Cash' }] });
    assert.equal(bill.status, 201);
    await page.waitForFunction((v) => Number(document.querySelector('#kpi-revenue')?.getAttribute('data-value')) === v, before + 240, { timeout: 1000 });
    await page.waitForSelector('#feed-list li', { timeout: 1000 });
    assert.ok(Date.now() - posted < 1500, "Date.now() - posted < 1500");
    assert.match((await page.textContent('#feed-list')) ?? '', new RegExp(bill.body.bill_number));

    await stopServer();
    await page.waitForSelector('#indicator[data-state="reconnecting"], #indicator[data-state="offline"]', { timeout: 10_000 });
    await startServer();
    await page.waitForSelector('#indicator[data-state="live"]', { timeout: 20_000 });
    await api('POST', '/api/bills', { items: [{ product_id: product, quantity: 1 }] });
    const rest = await until(async () => {
      const d = (await api('GET', '/api/dashboard')).body;
      return d.today.bills === 2 && (await kpi(page, 'kpi-bills')) === 2;
    }, 10_000, 'figures after restart');
    void rest;
    const d = (await api('GET', '/api/dashboard')).body;
    assert.equal(await kpi(page, 'kpi-revenue'), d.today.revenue);
    assert.equal(await kpi(page, 'kpi-collected'), d.today.collected);
    assert.equal(await kpi(page, 'kpi-open'), d.open_bills);
    assert.equal(await kpi(page, 'kpi-outstanding'), d.outstanding);
    assert.equal(await kpi(page, 'kpi-avg'), d.today.avg_bill);
    assert.equal(await kpi(page, 'kpi-month'), d.month.revenue);
    // the panels show what the API holds
    const cells = async (sel: string) => (await page.locator(`${sel} tbody tr`).allTextContents()).length;
    assert.equal(await cells('#top-products-table'), d.top_products.length);
    assert.equal(await cells('#employees-table'), d.employees.length);
    assert.equal(await cells('#top-areas-table'), d.top_areas.length);
    assert.ok(((await page.textContent('#top-products-table')) ?? '').includes('Kandura'), "((await page.textContent('#top-products-table')) ?? '').includes('Kandura')");
    // a customer's upgrade shows in the tier list
    const big = await api('POST', '/api/bills', { customer: { phone: '0501112299', name: 'Upgrader' }, items: [{ product_id: product, quantity: 9 }] });
    assert.equal(big.body.loyalty.tier, 'Silver');
    await page.waitForFunction((id) => (document.querySelector('#tiers')?.textContent ?? '').includes(`#${id}`), big.body.customer_id, { timeout: 3000 });
    // The same messages sent again (as after Redis and an aggregator were lost together, README)
    // are not a second bill or a second upgrade. Sent by another node, through the adapter; a
    // bill the page has not seen follows on the same connection, so once it shows the others arrived.
    const other = createIo(env().config, createKeys(`${env().config.redisPrefix}pages:`), createLogger('silent'));
    try {
      const managers = other.io.to(rooms.managers(owner.shopId));
      const l = big.body.loyalty;
      managers.emit('loyalty:update', { customer_id: big.body.customer_id, available_points: l.available_points, lifetime_points: l.available_points, tier: l.tier, tier_changed: true });
      const sent = (id: number, number: string) => ({ seq: 0, bill: { id, bill_number: number, total_amount: big.body.total_amount, status: big.body.status, employee_id: null, customer_id: big.body.customer_id, created_at: new Date().toISOString() } });
      managers.emit('bill:created', sent(big.body.id, big.body.bill_number));
      managers.emit('bill:created', sent(-1, 'BILL-AFTER-THE-REPEATS'));
      await page.waitForFunction(() => (document.querySelector('#feed-list')?.textContent ?? '').includes('BILL-AFTER-THE-REPEATS'), undefined, { timeout: 3000 });
      const feed = await page.locator('#feed-list li').allTextContents();
      assert.equal(feed.filter((t) => t.startsWith(big.body.bill_number)).length, 1, feed.join('\n'));
      const tiers = await page.locator('#tiers li').allTextContents();
      assert.equal(tiers.filter((t) => t.startsWith(`#${big.body.customer_id} →`)).length, 1, tiers.join('\n'));
    } finally {
      await other.close();
    }
    // and nothing polls: one GET for the first paint, the rest came over the socket
    assert.equal(polls.length, 1, `${polls.length} GET /api/dashboard`);
    await page.screenshot({ path: `${ARTIFACTS}dashboard.png`, fullPage: true });
    await page.close();
  });

  it('terminal: a price change shows without reload; a bill from the page reaches a dashboard', async () => {
    const product = await addProduct(owner.shopId, 'Abaya', 300);
    await addEmployee(owner.shopId, 'Rashid');
    const term = await api('POST', '/api/terminals', { name: 'Counter 1' });
    assert.equal(term.status, 201);
    const dash = await browser.newPage();
    await login(dash);
    // the service worker is left out here: Chromium reports requests it passes on to the service
    // worker's target, not the page's (terminal-pos.test.ts covers the page with it)
    const page = await (await browser.newContext({ serviceWorkers: 'block' })).newPage();
    await page.goto(`${base}/terminal`);
    await page.fill('#token-input', term.body.token);
    await page.click('#token-save');
    await page.waitForSelector(`.tile[data-product-id="${product}"]`);
    await page.waitForSelector('#indicator[data-state="live"]');

    const patched = await api('PATCH', `/api/products/${product}`, { rate: 275.5 });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await page.waitForFunction(
      (id) => (document.querySelector(`.tile[data-product-id="${id}"] .price`)?.textContent ?? '').includes('275.50'),
      product,
      { timeout: 3000 },
    );

    const keys: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/bills') keys.push(r.headers()['idempotency-key'] ?? '');
    });
    const billsBefore = await kpi(dash, 'kpi-bills');
    await page.click(`.tile[data-product-id="${product}"]`);
    await page.click(`.tile[data-product-id="${product}"]`);
    assert.match((await page.textContent('#cart-total')) ?? '', /551\.00/);
    await page.fill('#customer-phone', '0501234567');
    await page.fill('#customer-name', 'Counter Customer');
    await page.click('#charge');
    await page.fill('#tendered', '100');
    // a double click must not make two bills
    await page.dblclick('#pay-complete');
    await page.waitForSelector('#receipt-number');
    const number = (await page.textContent('#receipt-number'))!.trim();
    await dash.waitForFunction((n) => (document.querySelector('#feed-list')?.textContent ?? '').includes(n), number, { timeout: 3000 });
    await dash.waitForFunction((b) => Number(document.querySelector('#kpi-bills')?.getAttribute('data-value')) === b + 1, billsBefore, { timeout: 3000 });
    // a reload shows the latest bills at once, not only those pushed since
    await dash.reload();
    await dash.waitForFunction((n) => (document.querySelector('#feed-list')?.textContent ?? '').includes(n), number, { timeout: 5000 });
    const count = await env().sql<{ n: number; paid: number }[]>`
      select count(*)::int as n, sum(paid_fils)::int as paid from bills where shop_id = ${owner.shopId} and customer_phone = '+971501234567'`;
    assert.deepEqual([count[0]!.n, count[0]!.paid], [1, 10_000], 'one bill with its advance');
    const list = await api('GET', '/api/terminals');
    assert.equal(list.body.items.find((t: any) => t.id === term.body.id).online, true);

    // the next sale is a new bill (a new key)
    await page.click('#new-sale');
    await page.click(`.tile[data-product-id="${product}"]`);
    await page.click('#charge');
    await page.click('#pay-complete');
    await page.waitForFunction((n) => (document.querySelector('#receipt-number')?.textContent ?? '').trim() !== n, number, { timeout: 3000 });
    // every submit carried a key; the second bill its own (the receipt shows before the send:
    // the sale is written to the outbox first, so the second POST is awaited here)
    await until(() => keys.length >= 2, 10_000, 'the second bill sent');
    assert.ok(keys.length >= 2 && keys.every((k) => /^[0-9a-f-]{36}$/.test(k)), JSON.stringify(keys));
    assert.notEqual(keys.at(-1), keys[0]);

    // a settings push redraws what depends on it, keeps the draft, and is acknowledged
    await page.click('#new-sale');
    await page.click(`.tile[data-product-id="${product}"]`);
    await page.fill('#customer-phone', '0507778888');
    const methods = await api('PUT', '/api/shop-settings/payment-methods', { payment_methods: ['Cash', 'Cheque'] });
    assert.equal(methods.status, 200, JSON.stringify(methods.body));
    await until(async () => (await api('GET', '/api/terminals')).body.items.find((t: any) => t.id === term.body.id).settings_version_acked === methods.body.version, 5000, 'the ack');
    await page.click('#charge');
    await page.waitForFunction(() => [...document.querySelectorAll('#pay-panel .method')].map((o) => (o as HTMLElement).dataset.method).join() === 'Cash,Cheque', undefined, { timeout: 3000 });
    await page.click('#pay-cancel');
    assert.equal(await page.inputValue('#customer-phone'), '0507778888');
    assert.equal(await page.locator('#cart-table tr').count(), 1);
    // the token is kept in this browser: a reload goes straight to the counter
    await page.reload();
    await page.waitForSelector(`.tile[data-product-id="${product}"]`, { timeout: 5000 });
    assert.equal(await page.locator('#token-input').count(), 0);
    await page.screenshot({ path: `${ARTIFACTS}terminal.png`, fullPage: true });
    await page.close();
    await dash.close();
  });

  it('dashboard: requests a report, sees it finish and downloads it; switches to Arabic right-to-left', async () => {
    const page = await browser.newPage();
    await login(page);
    await page.selectOption('#report-type', 'invoices');
    await page.selectOption('#report-format', 'csv');
    await page.click('#report-request');
    await page.waitForSelector('#report-download', { timeout: 20_000 });
    assert.equal(await page.getAttribute('#report-progress', 'value'), '100');
    const download = page.waitForEvent('download');
    await page.click('#report-download');
    const file = await download;
    assert.match(file.suggestedFilename(), /^report-/);
    // the period picker shows what the API computes
    const insights = (await api('GET', '/api/financial-insights?days=30')).body;
    await page.click('[data-days="30"]');
    await page.waitForSelector('#insights-table');
    const firstRow = await page.locator('#insights-table tbody tr').first().textContent();
    assert.ok((firstRow ?? '').replace(/[\s,\u00a0]/g, '').includes(insights.current.revenue.toFixed(2)), `${firstRow} vs ${insights.current.revenue}`);
    await page.click('#lang');
    await page.waitForFunction(() => document.documentElement.dir === 'rtl');
    assert.match((await page.textContent('header')) ?? '', /لوحة التحكم/);
    await page.screenshot({ path: `${ARTIFACTS}dashboard-ar.png`, fullPage: true });
    await page.click('#lang');
    // the shop's currency shows on the page
    const locale = { currency: 'SAR', timezone: 'Asia/Riyadh', date_format: 'YYYY-MM-DD', language: 'en' };
    assert.equal((await api('PUT', '/api/shop-settings/locale', locale)).status, 200);
    try {
      await page.reload();
      await page.waitForSelector('#kpi-revenue');
      assert.match((await page.textContent('#kpi-revenue .value')) ?? '', /SAR/);
    } finally {
      await api('PUT', '/api/shop-settings/locale', { currency: 'AED', timezone: 'Asia/Dubai', date_format: 'DD/MM/YYYY', language: 'en' });
    }
    await page.close();
  });

  it('renders script-bearing names as text', async () => {
    const evil = '<img src=x onerror=alert(1)>';
    const product = await addProduct(owner.shopId, evil, 10);
    const page = await browser.newPage();
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await login(page);
    await api('POST', '/api/bills', { customer: { phone: '0559876543', name: evil }, items: [{ product_id: product, quantity: 1 }] });
    await page.waitForFunction((e) => (document.querySelector('#top-products')?.textContent ?? '').includes(e), evil, { timeout: 5000 });
    assert.equal(await page.locator('#top-products img').count(), 0);
    // the terminal: the catalogue, and a receipt for a customer with that name
    const term = await api('POST', '/api/terminals', { name: 'Counter XSS' });
    const counter = await browser.newPage();
    counter.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    await counter.goto(`${base}/terminal`);
    await counter.fill('#token-input', term.body.token);
    await counter.click('#token-save');
    await counter.waitForSelector(`.tile[data-product-id="${product}"]`);
    assert.ok(((await counter.textContent(`.tile[data-product-id="${product}"]`)) ?? '').includes(evil));
    // Live, and its catch-up reads done: the catch-up redraws the chips and masters above the
    // tiles, and a click aimed at a tile while they redraw can land beside it (a cashier waits for
    // the green light too).
    await counter.waitForSelector('#indicator[data-state="live"]');
    await counter.waitForLoadState('networkidle');
    await counter.click(`.tile[data-product-id="${product}"]`);
    await counter.waitForSelector(`#cart-table tr[data-product-id="${product}"]`, { timeout: 5000 });
    await counter.fill('#customer-phone', '0559876544');
    await counter.fill('#customer-name', evil);
    await counter.click('#charge');
    await counter.click('#pay-complete');
    await counter.waitForSelector('#receipt-customer');
    assert.ok(((await counter.textContent('#receipt-customer')) ?? '').includes(evil), "((await counter.textContent('#receipt-customer')) ?? '').includes(evil)");
    assert.equal(await counter.locator('#app img').count(), 0);
    await counter.close();
    assert.equal(dialogs, 0);
    await page.screenshot({ path: `${ARTIFACTS}xss.png`, fullPage: true });
    await page.close();
  });

  it('dashboard: stays live across token refreshes (tokens of 10 s), figures neither lost nor rolled back', async function () {
    this.timeout(60_000);
    // a server of its own whose tokens live 10 s: the page must refresh before the server closes its socket
    const shortPort = await freePort();
    const short = spawnService({ REDIS_PREFIX: `${env().config.redisPrefix}pages-short:`, PORT: String(shortPort), USER_TOKEN_TTL_SECONDS: '10' });
    await short.ready();
    const shortBase = `http://127.0.0.1:${shortPort}`;
    try {
      const product = await addProduct(owner.shopId, 'Refresh kandura', 10);
      const fresh = async () =>
        ((await (await fetch(`${shortBase}/api/auth/login`, { method: 'POST', body: JSON.stringify({ email: owner.email, password }) })).json()) as any).token as string;
      const bill = async () =>
        fetch(`${shortBase}/api/bills`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${await fresh()}` },
          body: JSON.stringify({ items: [{ product_id: product, quantity: 1 }] }),
        });
      const page = await browser.newPage();
      await page.goto(`${shortBase}/`);
      await page.fill('#email', owner.email);
      await page.fill('#password', password);
      await page.click('#login-button');
      await page.waitForSelector('#indicator[data-state="live"]');
      const first = await page.evaluate(() => localStorage.getItem('tajir.manager.token'));
      const loggedIn = Date.now();
      const bills0 = await kpi(page, 'kpi-bills');
      assert.equal((await bill()).status, 201);
      await page.waitForFunction((v) => Number(document.querySelector('#kpi-bills')?.getAttribute('data-value')) === v, bills0 + 1, { timeout: 3000 });
      // the page refreshed its token before the first one expired...
      await until(async () => (await page.evaluate(() => localStorage.getItem('tajir.manager.token'))) !== first, 10_000, 'token refresh');
      // ...and is still live, on the same screen, past the first token's expiry
      await until(() => Date.now() > loggedIn + 11_000, 12_000, 'the first token to expire');
      await page.waitForSelector('#indicator[data-state="live"]', { timeout: 3000 });
      assert.equal(await page.locator('#login-form').count(), 0, 'not sent back to the login form');
      assert.equal(await kpi(page, 'kpi-bills'), bills0 + 1, 'no figure rolled back');
      assert.equal((await bill()).status, 201);
      await page.waitForFunction((v) => Number(document.querySelector('#kpi-bills')?.getAttribute('data-value')) === v, bills0 + 2, { timeout: 3000 });
      await page.close();
    } finally {
      await short.stop();
    }
  });

  it('dashboard: a handshake the server refused for a passing reason is tried again until the page is live', async function () {
    this.timeout(90_000);
    // a server of its own that lets 2 handshakes a 10 s window in from one address: the third
    // page load is refused with rate_limited, which socket.io-client does not retry by itself
    const limitedPort = await freePort();
    const limited = spawnService({ REDIS_PREFIX: `${env().config.redisPrefix}pages-limited:${Date.now()}:`, PORT: String(limitedPort), SOCKET_HANDSHAKES_PER_IP: '2' });
    await limited.ready();
    const limitedBase = `http://127.0.0.1:${limitedPort}`;
    try {
      const page = await browser.newPage();
      const refusals: string[] = [];
      page.on('websocket', (ws) => ws.on('framereceived', (f) => void (String(f.payload).includes('"rate_limited"') && refusals.push(String(f.payload)))));
      await page.goto(`${limitedBase}/`);
      await page.fill('#email', owner.email);
      await page.fill('#password', password);
      await page.click('#login-button');
      await page.waitForSelector('#indicator[data-state="live"]');
      await page.reload();
      await page.waitForSelector('#indicator[data-state="live"]');
      await page.reload();
      await until(() => refusals.length > 0, 10_000, 'a handshake refused with rate_limited');
      await page.waitForSelector('#indicator[data-state="live"]', { timeout: 30_000 });
      assert.equal(await page.locator('#login-form').count(), 0, 'a passing refusal does not sign the page out');
      await page.close();
    } finally {
      await limited.stop();
    }
  });
});
