/**
 * The POS terminal page (/terminal): the screen a cashier works at all day.
 * - Products as tiles grouped by type, a search box and a barcode field (a USB scanner types the
 *   digits and Enter); one tap adds a product.
 * - The cart always visible: lines with − and +, a line discount, subtotal, VAT and total computed
 *   with the server's own arithmetic (cart.ts), the customer found by phone with their tier and
 *   points, the master.
 * - Charge: cash with quick amounts and change, card and the shop's other methods, split,
 *   partial and advance payments; an 80 mm tax-invoice receipt (receipt.ts).
 * - Offline: every sale goes to the outbox (outbox.ts) first and syncs exactly once; the page is
 *   installable and its shell and reads are cached (sw.ts), the data it needs also kept in
 *   localStorage, so a reload with the network cut still sells.
 * - Cashiers sign in with their PIN; their bills record who took them.
 * This module holds the sale being built and wires the parts: catalogue-view.ts, cart.ts,
 * pay-panel.ts, pin-panel.ts, receipt.ts, outbox.ts and outbox-panel.ts, counter-data.ts.
 */
import { ApiError, createApi, must, type RequestBody } from './api.ts';
import { type CartLine, cartTotals, vatOn } from './cart.ts';
import { closeConnection, type ConnectionState, openConnection, type PageSocket } from './connection.ts';
import { type Customer, type Data, fetchProducts, loadData, type Product, type Settings, storeData } from './counter-data.ts';
import { drawChips, drawTiles } from './catalogue-view.ts';
import { $, h, replace } from './dom.ts';
import { DEFAULT_LOCALE, formatter, type Locale } from './format.ts';
import { type Lang, language, setLanguage, t } from './i18n.ts';
import { type Outbox, openOutbox } from './outbox.ts';
import { drawOutbox } from './outbox-panel.ts';
import { openPayPanel, type Payment } from './pay-panel.ts';
import { openPinPanel } from './pin-panel.ts';
import { receiptOf, renderReceipt } from './receipt.ts';

const TOKEN_KEY = 'tajir.terminal.token';
const SESSION_KEY = 'tajir.terminal.session';
const LANG_KEY = 'tajir.terminal.lang';

let data: Data = loadData();
let locale: Locale = DEFAULT_LOCALE;
let fmt = formatter(locale);
let serverOffsetMs = 0;
let socket: PageSocket | undefined;
let outbox: Outbox | undefined;

// the sale being built
let lines: CartLine[] = [];
let customer: Customer | null = null;
let masterId: number | null = null;
let search = '';
let typeFilter = '';
// the payment panel
let paying = false;
// the receipt on screen: the outbox entry it belongs to
let receiptSeq: number | undefined;

const session = () => JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null') as { token: string; cashier: { id: number; name: string } } | null;
const terminalToken = () => localStorage.getItem(TOKEN_KEY);

const api = createApi(
  () => session()?.token ?? terminalToken(),
  () => {
    // a PIN session that ended falls back to the terminal's own token; a refused terminal token asks again
    if (session()) {
      localStorage.removeItem(SESSION_KEY);
      renderHeader();
    } else askToken('The token was refused.');
  },
  (res) => noteServerDate(res.headers.get('date')),
);

function noteServerDate(date: string | null | Date): void {
  if (!date) return;
  const ms = new Date(date).getTime();
  // the Date header has whole seconds: only a skew beyond that is worth correcting
  if (Number.isFinite(ms) && Math.abs(ms - Date.now()) > 2000) serverOffsetMs = ms - Date.now();
  else serverOffsetMs = 0;
}
/** The instant of a sale on the server's clock, so a terminal with a wrong clock still dates bills right. */
const saleNow = () => new Date(Date.now() + serverOffsetMs);

const saveData = () => storeData(data);

function askToken(error?: string): void {
  if (socket) closeConnection(socket);
  const input = h('textarea', { id: 'token-input', rows: 3, placeholder: t('token') });
  replace(
    $('#app'),
    h('form', {
      class: 'card login',
      id: 'token-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        localStorage.setItem(TOKEN_KEY, input.value.trim());
        // another terminal's token: nothing of the last one's data is kept
        data = { settings: {}, products: [], masters: [], customers: [] };
        saveData();
        await start();
      },
    }, h('h1', {}, `Tajir POS · ${t('terminal')}`), h('label', {}, t('token')), input,
      error ? h('p', { class: 'error' }, error) : null,
      h('button', { type: 'submit', id: 'token-save' }, t('save'))),
  );
}

// ---------- settings and derived values ----------

function applySettings(s: Settings): void {
  data.settings = s;
  locale = { ...DEFAULT_LOCALE, ...(s.locale ?? {}) };
  const chosen = localStorage.getItem(LANG_KEY) as Lang | null;
  setLanguage(chosen ?? locale.language);
  fmt = formatter({ ...locale, language: language() });
}
const methods = () => data.settings.payment_methods ?? ['Cash', 'Card'];
const pricesIncludeVat = () => data.settings.billing_config?.prices_include_vat ?? true;
const vatPercent = () => vatOn(data.settings.vat_rates ?? [], fmt.today());
const loyaltyOn = () => data.settings.loyalty?.config?.enabled ?? false;
/** The tier discount of the chosen customer; a new customer starts in the lowest tier. */
function tierDiscount(): number {
  if (!customer || !loyaltyOn()) return 0;
  if (customer.id !== undefined) return customer.tier_discount_percent ?? 0;
  const tiers = [...(data.settings.loyalty?.tiers ?? [])].sort((a, b) => a.threshold_points - b.threshold_points);
  return Number(tiers[0]?.discount_percent ?? 0);
}
const totals = () => cartTotals(lines, vatPercent() ?? 0, pricesIncludeVat(), tierDiscount());
const liveProducts = () => data.products.filter((p) => p.active && !p.deleted);

// ---------- layout ----------

function layout(): void {
  replace(
    $('#app'),
    h('header', { class: 'pos-header' },
      h('h1', {}, data.settings.shop_info?.name ?? 'Tajir POS'),
      h('span', { id: 'cashier-slot' }),
      h('button', { id: 'outbox-button', class: 'badge', 'data-count': 0, onclick: () => toggle('#outbox-panel') }, '0'),
      h('span', { id: 'indicator', class: 'indicator reconnecting' }, t('reconnecting')),
      h('button', { id: 'lang', onclick: switchLanguage }, t('language'))),
    h('div', { class: 'pos' },
      h('section', { class: 'catalogue', id: 'catalogue' },
        h('div', { class: 'finders' },
          h('input', { id: 'search', type: 'search', placeholder: t('search'), 'aria-label': t('search'), autocomplete: 'off', oninput: (e: Event) => {
            search = (e.target as HTMLInputElement).value;
            renderTiles();
          }, onkeydown: (e: Event) => {
            if ((e as KeyboardEvent).key !== 'Enter') return;
            const first = $<HTMLButtonElement>('#tiles .tile');
            if (first) addProduct(Number(first.dataset.productId));
          } }),
          h('input', { id: 'barcode', inputmode: 'numeric', placeholder: t('barcode'), 'aria-label': t('barcode'), autocomplete: 'off', onkeydown: onBarcode })),
        h('div', { id: 'type-chips', class: 'chips' }),
        h('div', { id: 'tiles', class: 'tiles' })),
      h('aside', { class: 'cart', id: 'cart' },
        h('div', { class: 'customer' },
          h('input', { id: 'customer-phone', type: 'tel', list: 'recent-customers', placeholder: t('customer_phone'), 'aria-label': t('customer_phone'), autocomplete: 'off', oninput: onPhone }),
          h('datalist', { id: 'recent-customers' }),
          h('input', { id: 'customer-name', placeholder: t('customer_name'), 'aria-label': t('customer_name'), oninput: onName }),
          h('label', { class: 'inline small' }, h('input', { type: 'checkbox', id: 'customer-business', onchange: onBusiness }), t('business')),
          h('div', { id: 'customer-tier', class: 'tier-chip' }),
          h('div', { id: 'business-fields', class: 'business hidden' },
            h('input', { id: 'customer-business-name', placeholder: t('business_name'), 'aria-label': t('business_name'), maxlength: 200, oninput: onBusiness }),
            h('input', { id: 'customer-trn', placeholder: t('trn'), 'aria-label': t('trn'), inputmode: 'numeric', maxlength: 15, pattern: '[0-9]{15}', oninput: onBusiness }))),
        h('label', { class: 'inline' }, t('master'), h('select', { id: 'master', onchange: (e: Event) => {
          const v = (e.target as HTMLSelectElement).value;
          masterId = v ? Number(v) : null;
        } })),
        h('div', { id: 'cart-lines', class: 'cart-lines' }),
        h('div', { id: 'cart-totals', class: 'cart-totals' }),
        h('button', { id: 'charge', class: 'charge', onclick: openPayment }, t('charge'))),
    ),
    h('div', { id: 'pay-panel', class: 'overlay hidden' }),
    h('div', { id: 'pin-panel', class: 'overlay hidden' }),
    h('div', { id: 'outbox-panel', class: 'overlay hidden' }),
    h('div', { id: 'receipt', class: 'overlay hidden' }),
  );
  renderHeader();
  renderChips();
  renderTiles();
  renderCustomerList();
  renderMasters();
  renderCart();
  void renderOutbox();
}

function switchLanguage(): void {
  localStorage.setItem(LANG_KEY, language() === 'ar' ? 'en' : 'ar');
  applySettings(data.settings);
  relayout();
}

/** layout() again (labels, language), keeping what the cashier typed unless the sale is done. */
function relayout(keepTyped = true): void {
  const phone = keepTyped ? ($<HTMLInputElement>('#customer-phone')?.value ?? '') : '';
  const name = keepTyped ? ($<HTMLInputElement>('#customer-name')?.value ?? '') : '';
  const state = $('#indicator')?.dataset.state as ConnectionState | undefined;
  const receiptOpen = !$('#receipt')?.classList.contains('hidden');
  layout();
  $<HTMLInputElement>('#customer-phone')!.value = phone;
  $<HTMLInputElement>('#customer-name')!.value = name;
  renderCustomer();
  if (state) setIndicator(state);
  if (paying) openPayment();
  if (receiptOpen && receiptSeq !== undefined) void showReceipt(receiptSeq);
}

function toggle(sel: string, open?: boolean): void {
  const el = $(sel);
  if (!el) return;
  const show = open ?? el.classList.contains('hidden');
  el.classList.toggle('hidden', !show);
  if (sel === '#outbox-panel' && show) void renderOutbox();
}

function setIndicator(s: ConnectionState): void {
  const el = $('#indicator');
  if (!el) return;
  el.className = `indicator ${s}`;
  el.dataset.state = s;
  el.textContent = t(s);
}

function renderHeader(): void {
  const s = session();
  replace($('#cashier-slot'),
    s
      ? h('span', { class: 'cashier', id: 'cashier-name' }, `${t('cashier')}: ${s.cashier.name} `,
          h('button', { id: 'cashier-signout', onclick: signOut }, t('sign_out')))
      : h('button', { id: 'cashier-button', onclick: openPin }, t('cashier_sign_in')));
}

// ---------- catalogue ----------

function renderChips(): void {
  drawChips($('#type-chips'), liveProducts(), typeFilter, (type) => {
    typeFilter = type;
    renderChips();
    renderTiles();
  });
}

function renderTiles(): void {
  drawTiles($('#tiles'), liveProducts(), { typeFilter, search }, fmt, addProduct);
}

function onBarcode(e: Event): void {
  const ev = e as KeyboardEvent;
  if (ev.key !== 'Enter') return;
  ev.preventDefault();
  const input = ev.target as HTMLInputElement;
  const code = input.value.trim();
  input.value = '';
  if (!code) return;
  const p = liveProducts().find((x) => x.barcode === code);
  if (p) addProduct(p.id);
  else flash(`${t('no_barcode')}: ${code}`);
}

function flash(message: string): void {
  const el = h('div', { class: 'flash', id: 'flash', role: 'alert' }, message);
  $('#flash')?.remove();
  document.body.append(el);
  setTimeout(() => el.remove(), 3000);
}

// ---------- cart ----------

function addProduct(id: number): void {
  const p = data.products.find((x) => x.id === id);
  if (!p) return;
  const same = lines.find((l) => l.product_id === id && l.rate === p.rate && l.discount_percent === 0);
  if (same) same.quantity = Math.min(10_000, same.quantity + 1);
  else lines.push({ product_id: id, name: p.name, rate: p.rate, quantity: 1, discount_percent: 0 });
  renderCart();
}

function renderCart(): void {
  const vat = vatPercent();
  const tot = totals();
  replace($('#cart-lines'),
    lines.length === 0
      ? h('p', { class: 'muted', id: 'cart-empty' }, t('empty_cart'))
      : h('table', { id: 'cart-table' }, h('tbody', {}, ...lines.map((l, i) =>
          h('tr', { 'data-line': i, 'data-product-id': l.product_id },
            h('td', { class: 'line-name' }, l.name, h('div', { class: 'muted' }, fmt.money(l.rate))),
            h('td', { class: 'qty' },
              h('button', { class: 'minus', 'aria-label': '−', onclick: () => {
                l.quantity -= 1;
                if (l.quantity <= 0) lines.splice(i, 1);
                renderCart();
              } }, '−'),
              h('span', { class: 'q' }, String(l.quantity)),
              h('button', { class: 'plus', 'aria-label': '+', onclick: () => {
                l.quantity = Math.min(10_000, l.quantity + 1);
                renderCart();
              } }, '+')),
            h('td', {}, h('input', { class: 'line-discount', type: 'number', min: 0, max: 100, step: '0.01', 'aria-label': t('line_discount'),
              placeholder: tot.lines[i]!.discount_percent > 0 ? `${tot.lines[i]!.discount_percent}%` : t('line_discount'),
              value: l.discount_percent > 0 ? String(l.discount_percent) : '', onchange: (e: Event) => {
                const v = Number((e.target as HTMLInputElement).value);
                l.discount_percent = Number.isFinite(v) ? Math.min(100, Math.max(0, Math.round(v * 100) / 100)) : 0;
                renderCart();
              } })),
            h('td', { class: 'line-total' }, fmt.money(tot.lines[i]!.total)),
            h('td', {}, h('button', { class: 'remove', 'aria-label': t('remove'), onclick: () => {
              lines.splice(i, 1);
              renderCart();
            } }, '×')))))));
  replace($('#cart-totals'),
    vat === undefined ? h('p', { class: 'error' }, t('no_vat')) : null,
    h('div', { class: 'r-row' }, h('span', {}, t('subtotal_ex_vat')), h('span', { id: 'cart-subtotal' }, fmt.money(tot.subtotal))),
    tot.discount > 0 ? h('div', { class: 'r-row' }, h('span', {}, t('discount_total')), h('span', { id: 'cart-discount' }, fmt.money(tot.discount))) : null,
    h('div', { class: 'r-row' }, h('span', {}, `${t('vat_short')} ${vat ?? 0}%`), h('span', { id: 'cart-vat' }, fmt.money(tot.vat))),
    h('div', { class: 'r-row total' }, h('span', {}, t('total')), h('span', { id: 'cart-total', 'data-value': tot.total }, fmt.money(tot.total))));
  const charge = $<HTMLButtonElement>('#charge');
  if (charge) {
    charge.disabled = lines.length === 0 || vat === undefined;
    charge.textContent = `${t('charge')} ${fmt.money(tot.total)}`;
  }
}

// ---------- customer and master ----------

const digits = (s: string) => s.replace(/\D/g, '').replace(/^(00971|971|0)/, '');

function renderCustomerList(): void {
  replace($('#recent-customers'), ...data.customers.map((c) => h('option', { value: c.phone }, c.business_name || c.name)));
}

let lookupTimer: ReturnType<typeof setTimeout> | undefined;
function onPhone(e: Event): void {
  const phone = (e.target as HTMLInputElement).value.trim();
  const known = phone ? data.customers.find((c) => digits(c.phone) === digits(phone)) : undefined;
  const nameInput = $<HTMLInputElement>('#customer-name')!;
  if (known) {
    customer = { ...known };
    nameInput.value = known.name;
  } else {
    customer = phone ? { phone, name: nameInput.value.trim() } : null;
    onBusiness();
    clearTimeout(lookupTimer);
    // beyond the recent ones, ask the server (online only; offline the name typed makes a new customer)
    if (digits(phone).length >= 7 && navigator.onLine) {
      lookupTimer = setTimeout(async () => {
        try {
          const r = await must(api.GET('/api/counter/customers', { params: { query: { search: phone, limit: 10 } } }));
          const hit = r.items.find((c) => digits(c.phone) === digits(phone));
          if (hit && $<HTMLInputElement>('#customer-phone')?.value.trim() === phone) {
            customer = hit;
            if (!data.customers.some((c) => c.id === hit.id)) data.customers.push(hit);
            $<HTMLInputElement>('#customer-name')!.value = hit.name;
            renderCustomer();
          }
        } catch {
          // offline or refused: the cashier types the name
        }
      }, 250);
    }
  }
  renderCustomer();
}

function onName(e: Event): void {
  const name = (e.target as HTMLInputElement).value;
  if (customer && customer.id === undefined) customer.name = name.trim();
}

/** A new customer who is a business: its name and TRN go on the bill and the tax invoice. */
function onBusiness(): void {
  const on = $<HTMLInputElement>('#customer-business')?.checked ?? false;
  $('#business-fields')?.classList.toggle('hidden', !on);
  if (!customer || customer.id !== undefined) return;
  customer.customer_type = on ? 'Business' : 'Individual';
  customer.business_name = on ? $<HTMLInputElement>('#customer-business-name')?.value.trim() || null : null;
  const trn = $<HTMLInputElement>('#customer-trn')?.value.trim() ?? '';
  customer.trn = on && /^[0-9]{15}$/.test(trn) ? trn : null;
}

function renderCustomer(): void {
  const el = $('#customer-tier');
  if (!el) return;
  if (customer?.id !== undefined) {
    replace(el, h('span', { class: 'tier', id: 'customer-tier-name' }, customer.tier ?? '—'), ' · ',
      h('span', { id: 'customer-points' }, `${fmt.number(customer.available_points ?? 0)} ${t('points')}`),
      (customer.tier_discount_percent ?? 0) > 0 ? ` · −${customer.tier_discount_percent}%` : '');
  } else replace(el, customer ? t('new_customer') : t('walk_in'));
  renderCart();
}

function renderMasters(): void {
  const def = data.settings.billing_config?.default_employee_id ?? null;
  if (masterId === null && def !== null && data.masters.some((m) => m.id === def)) masterId = def;
  const sel = $<HTMLSelectElement>('#master');
  replace(sel, h('option', { value: '' }, t('none')), ...data.masters.map((m) => h('option', { value: m.id }, m.name)));
  if (sel) sel.value = masterId === null ? '' : String(masterId);
}

// ---------- payment ----------

function openPayment(): void {
  if (lines.length === 0 || vatPercent() === undefined) return;
  paying = true;
  openPayPanel($('#pay-panel')!, {
    total: totals().total,
    methods: methods(),
    full: data.settings.billing_config?.payment_mode === 'full',
    fmt,
    onSell: (pays, change) => void sell(pays, change),
    onClose: () => {
      paying = false;
      toggle('#pay-panel', false);
    },
  });
  toggle('#pay-panel', true);
}

// ---------- selling ----------

let selling = false;

async function sell(pays: Payment[], change = 0): Promise<void> {
  // a double tap on "Complete" sells once: the first tap empties the cart before the second counts
  if (!outbox || lines.length === 0 || selling) return;
  selling = true;
  try {
    await record(pays, change);
  } finally {
    selling = false;
  }
}

async function record(pays: Payment[], change: number): Promise<void> {
  if (!outbox) return;
  const soldAt = saleNow().toISOString();
  const body: RequestBody<'postBills'> = {
    items: lines.map((l) => ({ product_id: l.product_id, quantity: l.quantity, rate: l.rate, ...(l.discount_percent > 0 ? { discount_percent: l.discount_percent } : {}) })),
  };
  const c = customer;
  if (c?.id !== undefined) body.customer = { id: c.id };
  else if (c?.phone) {
    body.customer = {
      phone: c.phone,
      name: c.name || c.phone,
      ...(c.customer_type === 'Business' && c.business_name ? { customer_type: 'Business', business_name: c.business_name, ...(c.trn ? { trn: c.trn } : {}) } : {}),
    };
  }
  if (masterId !== null) body.employee_id = masterId;
  if (pays.length) body.payments = pays;
  const tot = totals();
  const s = session();
  const entry = await outbox.add({
    client_created_at: soldAt,
    body,
    session_token: s?.token,
    extra: {
      cashier: s?.cashier.name ?? null,
      change,
      customer: c ? { name: c.business_name || c.name || c.phone, trn: c.trn ?? null, business: c.customer_type === 'Business' } : null,
      local: {
        items: lines.map((l, i) => ({ name: l.name, quantity: l.quantity, rate: l.rate, discount_percent: tot.lines[i]!.discount_percent, total: tot.lines[i]!.total })),
        vat_percent: vatPercent() ?? 0,
        subtotal: tot.subtotal,
        discount: tot.discount,
        vat: tot.vat,
        total: tot.total,
        payments: pays,
      },
    },
  });
  // the sale is safe in IndexedDB: clear the counter for the next customer at once
  lines = [];
  customer = null;
  paying = false;
  masterId = null;
  toggle('#pay-panel', false);
  relayout(false);
  await showReceipt(entry.seq!);
  void outbox.sync();
}

/** Shows the receipt of an outbox entry; `refresh`: only if that receipt is still the one on screen. */
async function showReceipt(seq: number, refresh = false): Promise<void> {
  const e = await outbox?.get(seq);
  if (!e) return;
  // the cashier may have moved on while IndexedDB answered
  if (refresh && (receiptSeq !== seq || $('#receipt')?.classList.contains('hidden'))) return;
  receiptSeq = seq;
  replace($('#receipt'),
    h('div', { class: 'panel receipt-panel' },
      renderReceipt(receiptOf(e), data.settings.shop_info ?? {}, fmt, locale.timezone),
      e.state === 'refused' ? h('p', { class: 'error', id: 'receipt-refused' }, `${t('refused')}: ${e.error?.code} — ${e.error?.message}`) : null,
      h('div', { class: 'actions no-print' },
        h('button', { id: 'print', onclick: () => window.print() }, t('print')),
        h('button', { id: 'new-sale', class: 'charge', onclick: () => {
          receiptSeq = undefined;
          toggle('#receipt', false);
          $<HTMLInputElement>('#search')?.focus();
        } }, t('new_bill')))));
  toggle('#receipt', true);
}

async function renderOutbox(): Promise<void> {
  if (!outbox) return;
  await drawOutbox($('#outbox-button'), $('#outbox-panel'), outbox, fmt, {
    reprint: (seq) => void showReceipt(seq),
    close: () => toggle('#outbox-panel', false),
  });
  // the receipt on screen gets its final number as soon as the server gives it
  if (receiptSeq !== undefined && !$('#receipt')?.classList.contains('hidden')) {
    const e = await outbox.get(receiptSeq);
    const shown = $('#receipt-paper')?.dataset.provisional === 'true';
    if (e && ((shown && e.state !== 'queued') || (e.state === 'refused' && !$('#receipt-refused')))) await showReceipt(receiptSeq, true);
  }
}

// ---------- cashier PIN ----------

function openPin(): void {
  toggle('#pin-panel', true);
  openPinPanel($('#pin-panel')!, async (pin) => {
    const r = await must(api.POST('/api/terminal/sessions', { body: { pin } }));
    localStorage.setItem(SESSION_KEY, JSON.stringify(r));
    toggle('#pin-panel', false);
    renderHeader();
  }, () => toggle('#pin-panel', false));
}

async function signOut(): Promise<void> {
  try {
    await must(api.DELETE('/api/terminal/sessions/current'));
  } catch {
    // offline: the session ends on the server when it expires; this terminal forgets it now
  }
  localStorage.removeItem(SESSION_KEY);
  renderHeader();
}

// ---------- data ----------

async function loadCatalogue(): Promise<void> {
  const at = saleNow().toISOString();
  data.products = await fetchProducts(api);
  data.catalogue_at = at;
}

/** After being offline: what changed in the catalogue since the last read, and the settings. */
async function catchUp(): Promise<void> {
  try {
    if (data.catalogue_at) {
      const since = data.catalogue_at;
      const at = saleNow().toISOString();
      for (const p of await fetchProducts(api, since)) mergeProduct(p);
      data.catalogue_at = at;
    }
    const s = await must(api.GET('/api/shop-settings'));
    if (s.version !== data.settings.version) {
      applySettings(s);
      relayout();
    }
    data.customers = (await must(api.GET('/api/counter/customers', { params: { query: { limit: 50 } } }))).items;
    data.masters = (await must(api.GET('/api/masters'))).items;
    saveData();
    renderMasters();
    renderChips();
    renderTiles();
    renderCustomerList();
  } catch {
    // still offline: the next connect tries again
  }
}

function mergeProduct(p: Product): void {
  const i = data.products.findIndex((x) => x.id === p.id);
  if (i >= 0) data.products[i] = { ...data.products[i]!, ...p };
  else data.products.push(p);
  // an unsold line follows the new price
  for (const l of lines) if (l.product_id === p.id) l.rate = p.rate;
}

async function start(): Promise<void> {
  const token = terminalToken();
  if (!token) return askToken();
  try {
    const me = await must(api.GET('/api/auth/me'));
    if (me.role !== 'terminal') return askToken('That is not a terminal token.');
    data.me = { id: me.id, shop_id: me.shop_id };
    const [settings, , masters, customers] = await Promise.all([
      must(api.GET('/api/shop-settings')),
      loadCatalogue(),
      must(api.GET('/api/masters')),
      must(api.GET('/api/counter/customers', { params: { query: { limit: 50 } } })),
    ]);
    data.settings = settings;
    data.masters = masters.items;
    data.customers = customers.items;
    saveData();
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    // offline: sell from what this terminal kept
    if (!data.me) return askToken((err as Error).message);
  }
  applySettings(data.settings);
  outbox = openOutbox({
    terminalId: data.me!.id,
    terminalToken,
    onChange: () => void renderOutbox(),
    onServerDate: (d) => noteServerDate(d),
  });
  layout();
  void outbox.sync();
  // queued bills go as soon as the network is back, and at least every 15 s while any wait
  window.addEventListener('online', () => void outbox?.sync());
  setInterval(() => void outbox?.sync(), 15_000);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'F2') {
      e.preventDefault();
      $<HTMLInputElement>('#search')?.focus();
    } else if (e.key === 'F9') {
      e.preventDefault();
      openPayment();
    } else if (e.key === 'Escape') {
      for (const sel of ['#pay-panel', '#pin-panel', '#outbox-panel']) toggle(sel, false);
      paying = false;
    }
  });
  socket = openConnection(token, (s) => {
    setIndicator(s);
    if (s === 'live') {
      void outbox?.sync();
      void catchUp();
    }
  }, () => askToken('The token was refused.'));
  socket.on('product:updated', ({ product }) => {
    mergeProduct(product as unknown as Product);
    saveData();
    renderChips();
    renderTiles();
    renderCart();
  });
  socket.on('settings:updated', async (m) => {
    try {
      applySettings(await must(api.GET('/api/shop-settings')));
      saveData();
    } catch {
      // the next connect re-reads them
    }
    relayout();
    socket?.emit('settings:ack', { version: m.version });
  });
}

if ('serviceWorker' in navigator) void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
void start();
