/**
 * The manager dashboard (/): log in, first paint from GET /api/dashboard, then only pushes
 * (dashboard:update, bill:created, loyalty:update). On connect, reconnect, or an update whose
 * prev_seq is not the seq on screen, one dashboard:sync makes the screen exact again.
 */
import { applyDashboardChanges, type DashboardUpdateMessage } from '../../src/realtime/contracts.ts';
import { type Answer, ApiError, createApi, must, type RequestBody } from './api.ts';
import { chart } from './charts.ts';
import { closeConnection, openConnection, reauthenticate, type ConnectionState, type PageSocket } from './connection.ts';
import { $, h, replace } from './dom.ts';
import { DEFAULT_LOCALE, formatter, type Locale } from './format.ts';
import { language, setLanguage, t } from './i18n.ts';

const TOKEN_KEY = 'tajir.manager.token';
const api = createApi(() => localStorage.getItem(TOKEN_KEY), () => logout());
let locale: Locale = DEFAULT_LOCALE;
let fmt = formatter(locale);
let dashboard: Answer<'getDashboard'> | undefined;
let seq = -1;
let socket: PageSocket | undefined;
const feed: { id: number; bill_number: string; total_amount: number; status: string; at: Date }[] = [];
const upgrades: { customer_id: number; tier: string | null; at: Date }[] = [];

/** When a JWT expires (ms), read from its payload; undefined when it cannot be read. */
function tokenExpiry(token: string): number | undefined {
  try {
    const payload = JSON.parse(atob((token.split('.')[1] ?? '').replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown };
    return typeof payload.exp === 'number' ? payload.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

let refreshTimer: ReturnType<typeof setTimeout> | undefined;

/**
 * Refreshes the token at 80% of its life (at least 5 s before it expires): the server closes a
 * socket when its token expires, so the page gets a new token for the same session and
 * reconnects with it before then. The reconnect resyncs (dashboard:sync on connect), and an
 * update older than the screen is ignored, so figures neither drop nor roll back.
 */
function scheduleRefresh(token: string): void {
  if (refreshTimer) clearTimeout(refreshTimer);
  const exp = tokenExpiry(token);
  if (exp === undefined) return;
  const life = exp - Date.now();
  refreshTimer = setTimeout(() => void refreshToken(), Math.max(0, Math.min(life * 0.8, life - 5000)));
}

async function refreshToken(): Promise<void> {
  try {
    const r = await must(api.POST('/api/auth/refresh'));
    localStorage.setItem(TOKEN_KEY, r.token);
    scheduleRefresh(r.token);
    if (socket) reauthenticate(socket, r.token);
  } catch (err) {
    // a 401 already logged out (api's onUnauthorized); anything else is tried again shortly
    if (!(err instanceof ApiError && err.status === 401)) refreshTimer = setTimeout(() => void refreshToken(), 5000);
  }
}

/** The log-out button: ends the session on the server (every node refuses its token), then here. */
async function signOut(): Promise<void> {
  // a failed call still logs out here; the token then lives until it expires
  await must(api.POST('/api/auth/logout')).catch(() => {});
  logout();
}

function logout(): void {
  if (refreshTimer) clearTimeout(refreshTimer);
  localStorage.removeItem(TOKEN_KEY);
  if (socket) closeConnection(socket);
  socket = undefined;
  showLogin();
}

function showLogin(error?: string): void {
  const email = h('input', { type: 'email', name: 'email', id: 'email', required: true, autocomplete: 'username' });
  const password = h('input', { type: 'password', name: 'password', id: 'password', required: true, autocomplete: 'current-password' });
  const form = h(
    'form',
    {
      class: 'card login',
      id: 'login-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        try {
          const r = await must(api.POST('/api/auth/login', { body: { email: email.value, password: password.value } }));
          localStorage.setItem(TOKEN_KEY, r.token);
          await start();
        } catch (err) {
          showLogin(err instanceof ApiError ? err.message : String(err));
        }
      },
    },
    h('h1', {}, 'Tajir POS'),
    h('label', { for: 'email' }, t('email')),
    email,
    h('label', { for: 'password' }, t('password')),
    password,
    error ? h('p', { class: 'error', id: 'login-error' }, error) : null,
    h('button', { type: 'submit', id: 'login-button' }, t('login')),
  );
  replace($('#app'), form);
}

function setIndicator(s: ConnectionState): void {
  const el = $('#indicator');
  if (!el) return;
  el.className = `indicator ${s}`;
  el.dataset.state = s;
  el.textContent = t(s);
}

/** `raw` goes in data-value so tests and tools can read the figure without parsing formatted text. */
function kpi(id: string, label: string, value: string, raw: number) {
  return h('div', { class: 'kpi', id, 'data-value': raw }, h('span', { class: 'label' }, label), h('span', { class: 'value' }, value));
}

function table(id: string, head: string[], rows: (string | number)[][]) {
  return h(
    'table',
    { id },
    h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, String(c)))))),
  );
}

function render(): void {
  const d = dashboard;
  if (!d) return;
  replace(
    $('#kpis'),
    kpi('kpi-revenue', t('revenue'), fmt.money(d.today.revenue), d.today.revenue),
    kpi('kpi-bills', t('bills'), fmt.number(d.today.bills), d.today.bills),
    kpi('kpi-avg', t('avg_bill'), fmt.money(d.today.avg_bill), d.today.avg_bill),
    kpi('kpi-collected', t('collected'), fmt.money(d.today.collected), d.today.collected),
    kpi('kpi-outstanding', t('outstanding'), fmt.money(d.outstanding), d.outstanding),
    kpi('kpi-open', t('open_bills'), fmt.number(d.open_bills), d.open_bills),
    kpi('kpi-expenses', t('expenses'), fmt.money(d.today.expenses), d.today.expenses),
    kpi('kpi-month', `${t('this_month')} · ${t('revenue')}`, fmt.money(d.month.revenue), d.month.revenue),
    kpi('kpi-month-exp', `${t('this_month')} · ${t('expenses')}`, fmt.money(d.month.expenses), d.month.expenses),
    kpi('kpi-customers', t('customers'), fmt.number(d.customers), d.customers),
  );
  const hourly = $('#chart-hourly');
  // the figures drawn, readable by tests and assistive tools (a canvas holds none)
  if (hourly) hourly.dataset.values = JSON.stringify(d.hourly.map((x) => x.revenue));
  if (hourly) chart(hourly, d.hourly.map((x) => String(x.hour)), [{ label: t('revenue'), stroke: '#0a7', fill: 'rgba(0,170,119,.2)' }], [d.hourly.map((x) => x.revenue)], true);
  const daily = $('#chart-daily');
  if (daily) chart(daily, d.daily.map((x) => fmt.shortDate(x.date)), [{ label: t('revenue'), stroke: '#36c' }], [d.daily.map((x) => x.revenue)]);
  const monthly = $('#chart-monthly');
  if (monthly) {
    chart(
      monthly,
      d.monthly.map((x) => x.month),
      [{ label: t('revenue'), stroke: '#36c' }, { label: t('expenses'), stroke: '#c33' }],
      [d.monthly.map((x) => x.revenue), d.monthly.map((x) => x.expenses)],
    );
  }
  replace($('#top-products'), table('top-products-table', [t('product'), t('quantity'), t('revenue')], d.top_products.map((p) => [p.name ?? `#${p.product_id}`, p.quantity, fmt.money(p.revenue)])));
  replace($('#employees'), table('employees-table', [t('master'), t('bills'), t('revenue'), t('share')], d.employees.map((e) => [e.name ?? `#${e.employee_id}`, e.bills, fmt.money(e.revenue), `${e.share}%`])));
  replace($('#top-areas'), table('top-areas-table', ['', t('revenue')], d.top_areas.map((a) => [a.area, fmt.money(a.revenue)])));
  renderFeed();
}

function renderFeed(): void {
  replace(
    $('#feed'),
    h('ul', { id: 'feed-list' }, ...feed.map((b) => h('li', {}, h('strong', {}, b.bill_number), ` · ${fmt.money(b.total_amount)} · ${b.status} · ${fmt.time(b.at)}`))),
  );
  replace($('#tiers'), h('ul', {}, ...upgrades.map((u) => h('li', {}, `#${u.customer_id} → ${u.tier ?? ''} · ${fmt.time(u.at)}`))));
}

/** Consecutive dashboard:sync calls that were answered with an error (the retry backs off with it). */
let syncFailures = 0;

async function resync(): Promise<void> {
  if (!socket) return;
  if (syncFailures === 0) void loadFeed(); // bills made while this page was away are not pushed again
  const r = await new Promise<any>((resolve) => socket!.emit('dashboard:sync', resolve));
  if (r && 'dashboard' in r) {
    syncFailures = 0;
    // an update that arrived while the sync was on its way is newer than the sync's snapshot
    if (r.seq < seq) return;
    dashboard = r.dashboard;
    seq = r.seq;
    render();
  } else if (r?.error && socket?.connected) {
    // rate_limited, or dependency_unavailable while Redis fails over: the screen may be behind
    // and its shop may stay quiet, so no later update would bring it back; try again, backing
    // off (a reconnect syncs anyway)
    setTimeout(() => void resync(), Math.min(5000, 300 * 2 ** syncFailures++));
  }
}

/** The latest bills, for the feed on first paint and after a reconnect; pushes add on top. */
async function loadFeed(): Promise<void> {
  try {
    const r = await must(api.GET('/api/bills', { params: { query: { per_page: 20 } } }));
    const pushed = feed.filter((b) => !r.items.some((x) => x.id === b.id));
    feed.length = 0;
    feed.push(...pushed, ...r.items.map((b) => ({ id: b.id, bill_number: b.bill_number, total_amount: b.total_amount, status: b.status, at: new Date(b.created_at) })));
    feed.sort((a, b) => b.at.getTime() - a.at.getTime() || b.id - a.id);
    feed.length = Math.min(feed.length, 20);
    renderFeed();
  } catch {
    // the feed is a convenience: the figures do not depend on it
  }
}

function onUpdate(m: DashboardUpdateMessage): void {
  if (m.seq <= seq) return;
  if (!dashboard || m.prev_seq !== seq) {
    void resync();
    return;
  }
  dashboard = applyDashboardChanges(dashboard, m.changes, m.seq);
  seq = m.seq;
  render();
}

async function loadLocale(): Promise<void> {
  try {
    const s = await must(api.GET('/api/shop-settings'));
    locale = { ...DEFAULT_LOCALE, ...(s.locale ?? {}) };
  } catch {
    locale = DEFAULT_LOCALE;
  }
  const chosen = (localStorage.getItem('tajir.lang') as Locale['language'] | null) ?? locale.language;
  locale = { ...locale, language: chosen };
  setLanguage(chosen);
  fmt = formatter(locale);
}

function layout(): void {
  replace(
    $('#app'),
    h(
      'header',
      {},
      h('h1', {}, `Tajir POS · ${t('dashboard')}`),
      h('span', { id: 'indicator', class: 'indicator reconnecting', 'data-state': 'reconnecting' }, t('reconnecting')),
      h('button', { id: 'lang', onclick: () => { localStorage.setItem('tajir.lang', language() === 'ar' ? 'en' : 'ar'); void start(); } }, t('language')),
      h('button', { id: 'logout', onclick: () => void signOut() }, t('logout')),
    ),
    h('section', { id: 'kpis', class: 'kpis' }),
    h('section', { class: 'grid' },
      h('div', { class: 'card' }, h('h2', {}, t('hourly')), h('div', { id: 'chart-hourly' })),
      h('div', { class: 'card' }, h('h2', {}, t('daily')), h('div', { id: 'chart-daily' })),
      h('div', { class: 'card' }, h('h2', {}, t('monthly')), h('div', { id: 'chart-monthly' })),
      h('div', { class: 'card' }, h('h2', {}, t('feed')), h('div', { id: 'feed' })),
      h('div', { class: 'card' }, h('h2', {}, t('top_products')), h('div', { id: 'top-products' })),
      h('div', { class: 'card' }, h('h2', {}, t('employees')), h('div', { id: 'employees' })),
      h('div', { class: 'card' }, h('h2', {}, t('top_areas')), h('div', { id: 'top-areas' })),
      h('div', { class: 'card' }, h('h2', {}, t('tiers')), h('div', { id: 'tiers' })),
    ),
    insightsPanel(),
    reportsPanel(),
  );
}

function insightsPanel() {
  const out = h('div', { id: 'insights-out' });
  const from = h('input', { type: 'date', id: 'insights-from' });
  const to = h('input', { type: 'date', id: 'insights-to' });
  const load = async (query: { days: number } | { from: string; to: string }) => {
    try {
      const r = await must(api.GET('/api/financial-insights', { params: { query } }));
      const row = (k: keyof typeof r.current, label: string, money = true) => [label, money ? fmt.money(r.current[k]) : `${r.current[k]}%`, money ? fmt.money(r.previous[k]) : `${r.previous[k]}%`, r.change[k] === null ? t('none') : `${r.change[k]}%`];
      replace(out, table('insights-table', ['', r.period.from + ' … ' + r.period.to, t('previous'), 'Δ'], [
        row('revenue', t('revenue')), row('net_revenue', t('net_revenue')), row('vat_collected', t('vat')),
        row('expenses', t('expenses')), row('profit', t('profit')), row('margin', t('margin'), false),
      ]));
    } catch (err) {
      replace(out, h('p', { class: 'error' }, (err as Error).message));
    }
  };
  return h('section', { class: 'card', id: 'insights' },
    h('h2', {}, t('insights')),
    h('div', { class: 'row' },
      ...[7, 30, 90, 180, 365].map((n) => h('button', { 'data-days': n, onclick: () => void load({ days: n }) }, `${n} ${t('days')}`)),
      h('span', {}, t('custom')), from, to,
      h('button', { id: 'insights-apply', onclick: () => from.value && to.value && void load({ from: from.value, to: to.value }) }, t('apply')),
    ),
    out,
  );
}

function reportsPanel() {
  const type = h('select', { id: 'report-type' }, ...['invoices', 'employees', 'products', 'expenses', 'vat', 'customers'].map((x) => h('option', { value: x }, x)));
  const format = h('select', { id: 'report-format' }, ...['csv', 'xlsx', 'pdf'].map((x) => h('option', { value: x }, x)));
  const bar = h('progress', { id: 'report-progress', max: 100, value: 0 });
  const status = h('div', { id: 'report-status' });
  return h('section', { class: 'card', id: 'reports' },
    h('h2', {}, t('reports')),
    h('div', { class: 'row' }, type, format,
      h('button', {
        id: 'report-request',
        onclick: async () => {
          const today = fmt.today(); // the shop's date: a UTC date would leave out its early-morning bills
          bar.value = 0;
          try {
            const body = { type: type.value, format: format.value, from: `${today.slice(0, 8)}01`, to: today } as RequestBody<'postReports'>;
            const r = await must(api.POST('/api/reports', { body }));
            status.dataset.reportId = r.id;
            replace(status, `#${r.id.slice(0, 8)} …`);
            showReady(r.id);
          } catch (err) {
            replace(status, err instanceof ApiError && err.status === 404 ? t('reports_unavailable') : (err as Error).message);
          }
        },
      }, t('request')),
    ),
    bar,
    status,
  );
}

/** Reports that finished; a small one can finish before POST /api/reports has answered. */
const readyReports = new Map<string, string>();

function showReady(id: string): void {
  const status = $('#report-status');
  const url = readyReports.get(id);
  if (!status || status.dataset.reportId !== id || !url) return;
  const bar = $<HTMLProgressElement>('#report-progress');
  if (bar) bar.value = 100;
  replace(status, h('a', {
    href: '#', id: 'report-download',
    onclick: async (e: Event) => {
      e.preventDefault();
      const blob = (await must(api.GET('/api/reports/{id}/download', { params: { path: { id } }, parseAs: 'blob' }))) as Blob;
      const a = h('a', { href: URL.createObjectURL(blob), download: `report-${id}` });
      a.click();
    },
  }, t('download')));
}

function wireSocket(token: string): void {
  if (socket) closeConnection(socket);
  socket = openConnection(token, setIndicator, () => logout());
  socket.on('connect', () => void resync());
  socket.on('dashboard:update', onUpdate);
  socket.on('bill:created', (m) => {
    if (feed.some((b) => b.id === m.bill.id)) return;
    feed.unshift({ id: m.bill.id, bill_number: m.bill.bill_number, total_amount: m.bill.total_amount, status: m.bill.status, at: new Date(m.bill.created_at) });
    feed.length = Math.min(feed.length, 20);
    renderFeed();
  });
  socket.on('loyalty:update', (m) => {
    if (!m.tier_changed) return;
    // a message sent again (after Redis and an aggregator were lost together: README) is not a second upgrade
    if (upgrades.some((u) => u.customer_id === m.customer_id && u.tier === m.tier)) return;
    upgrades.unshift({ customer_id: m.customer_id, tier: m.tier, at: new Date() });
    upgrades.length = Math.min(upgrades.length, 10);
    renderFeed();
  });
  socket.on('report:progress', (m) => {
    const bar = $<HTMLProgressElement>('#report-progress');
    if (bar && $('#report-status')?.dataset.reportId === m.id) bar.value = m.progress;
  });
  socket.on('report:ready', (m) => {
    readyReports.set(m.id, m.download_url);
    showReady(m.id);
  });
}

async function start(): Promise<void> {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) return showLogin();
  await loadLocale();
  layout();
  try {
    dashboard = await must(api.GET('/api/dashboard'));
    seq = dashboard.seq;
    render();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    if (err instanceof ApiError && err.status === 403) return showLogin('This page is for owners and managers.');
  }
  wireSocket(token);
  scheduleRefresh(token);
}

void start();
