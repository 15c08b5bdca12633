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
 */
import { ApiError, createApi } from './api.ts';
import { type CartLine, cartTotals, quickAmounts, type VatRate, vatOn } from './cart.ts';
import { type ConnectionState, openConnection, type PageSocket } from './connection.ts';
import { $, h, replace } from './dom.ts';
import { DEFAULT_LOCALE, formatter, type Locale } from './format.ts';
import { type Lang, language, setLanguage, t } from './i18n.ts';
import { type Outbox, type OutboxEntry, openOutbox } from './outbox.ts';
import { type ReceiptData, renderReceipt, type ShopInfo } from './receipt.ts';

const TOKEN_KEY = 'tajir.terminal.token';
const SESSION_KEY = 'tajir.terminal.session';
const LANG_KEY = 'tajir.terminal.lang';
const DATA_KEY = 'tajir.terminal.data';

interface Product {
  id: number;
  name: string;
  type_name: string;
  rate: number;
  barcode?: string | null;
  active: boolean;
  deleted?: boolean;
  updated_at?: string;
}
interface Customer {
  id?: number;
  name: string;
  phone: string;
  customer_type?: string;
  business_name?: string | null;
  trn?: string | null;
  tier?: string | null;
  tier_discount_percent?: number;
  available_points?: number;
}
interface Settings {
  shop_info?: ShopInfo;
  billing_config?: { payment_mode?: string; prices_include_vat?: boolean; default_employee_id?: number | null };
  vat_rates?: VatRate[];
  payment_methods?: string[];
  locale?: Partial<Locale>;
  loyalty?: { config?: { enabled?: boolean }; tiers?: { name: string; threshold_points: number; discount_percent: number }[] };
  version?: number;
}
/** What the counter needs to sell, kept in localStorage so a reload offline still sells. */
interface Data {
  me?: { id: number; shop_id: number };
  settings: Settings;
  products: Product[];
  masters: { id: number; name: string }[];
  customers: Customer[];
  /** server time of the last catalogue read (for ?updated_since=) */
  catalogue_at?: string;
}

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
let payments: { method: string; amount: number }[] = [];
let method = 'Cash';
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

function loadData(): Data {
  try {
    return { settings: {}, products: [], masters: [], customers: [], ...JSON.parse(localStorage.getItem(DATA_KEY) ?? '{}') };
  } catch {
    return { settings: {}, products: [], masters: [], customers: [] };
  }
}
const saveData = () => localStorage.setItem(DATA_KEY, JSON.stringify(data));

function askToken(error?: string): void {
  socket?.disconnect();
  const input = h('textarea', { id: 'token-input', rows: 3, placeholder: t('token') });
  replace(
    $('#app'),
    h('form', {
      class: 'card login',
      id: 'token-form',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        localStorage.setItem(TOKEN_KEY, input.value.trim());
        localStorage.removeItem(DATA_KEY);
        data = loadData();
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
  if (!(s.payment_methods ?? []).includes(method)) method = s.payment_methods?.[0] ?? 'Cash';
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
  if (paying) renderPayment();
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
  const types = [...new Set(liveProducts().map((p) => p.type_name))].sort((a, b) => a.localeCompare(b));
  const chip = (value: string, label: string) =>
    h('button', { class: `chip${typeFilter === value ? ' on' : ''}`, 'data-type': value, onclick: () => {
      typeFilter = value;
      renderChips();
      renderTiles();
    } }, label);
  replace($('#type-chips'), chip('', t('all')), ...types.map((ty) => chip(ty, ty)));
}

function renderTiles(): void {
  const term = search.trim().toLowerCase();
  const shown = liveProducts()
    .filter((p) => (!typeFilter || p.type_name === typeFilter) && (!term || p.name.toLowerCase().includes(term) || p.type_name.toLowerCase().includes(term) || p.barcode === term))
    .sort((a, b) => a.type_name.localeCompare(b.type_name) || a.name.localeCompare(b.name));
  const groups = new Map<string, Product[]>();
  for (const p of shown) groups.set(p.type_name, [...(groups.get(p.type_name) ?? []), p]);
  replace($('#tiles'),
    ...[...groups].map(([type, ps]) =>
      h('div', { class: 'tile-group', 'data-type': type },
        h('h3', {}, type),
        h('div', { class: 'tile-grid' }, ...ps.map((p) =>
          h('button', { class: 'tile', 'data-product-id': p.id, onclick: () => addProduct(p.id) },
            h('span', { class: 'name' }, p.name),
            h('span', { class: 'price' }, fmt.money(p.rate))))))));
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
          const r = await api.get<{ items: Customer[] }>(`/api/counter/customers?search=${encodeURIComponent(phone)}&limit=10`);
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
  payments = [];
  method = methods()[0] ?? 'Cash';
  renderPayment();
  toggle('#pay-panel', true);
  $<HTMLInputElement>('#tendered')?.focus();
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const paidSoFar = () => round2(payments.reduce((s, p) => s + p.amount, 0));

function renderPayment(): void {
  const total = totals().total;
  const remaining = round2(total - paidSoFar());
  const full = data.settings.billing_config?.payment_mode === 'full';
  const tendered = h('input', { id: 'tendered', type: 'number', min: 0, step: '0.01', inputmode: 'decimal', value: String(remaining), oninput: updateChange,
    onkeydown: (e: Event) => {
      if ((e as KeyboardEvent).key === 'Enter') complete();
    } });
  replace($('#pay-panel'),
    h('div', { class: 'panel pay' },
      h('h2', {}, t('pay')),
      h('div', { class: 'r-row total' }, h('span', {}, t('due')), h('span', { id: 'pay-due' }, fmt.money(total))),
      payments.length ? h('ul', { id: 'pay-list' }, ...payments.map((p) => h('li', {}, `${p.method}: ${fmt.money(p.amount)}`))) : null,
      h('div', { class: 'r-row' }, h('span', {}, t('remaining')), h('span', { id: 'pay-remaining' }, fmt.money(remaining))),
      h('div', { class: 'methods' }, ...methods().map((m) =>
        h('button', { class: `method${m === method ? ' on' : ''}`, id: `method-${m.replace(/\s+/g, '-').toLowerCase()}`, 'data-method': m, onclick: () => {
          method = m;
          renderPayment();
        } }, m))),
      h('label', {}, t('tendered'), tendered),
      method === 'Cash'
        ? h('div', { class: 'quick' }, ...quickAmounts(remaining).map((a) =>
            h('button', { class: 'quick-amount', 'data-amount': a, onclick: () => {
              tendered.value = String(a);
              updateChange();
            } }, fmt.money(a))))
        : null,
      h('div', { class: 'r-row change' }, h('span', {}, t('change')), h('span', { id: 'change-due', 'data-value': 0 }, fmt.money(0))),
      h('p', { id: 'pay-error', class: 'error' }),
      h('div', { class: 'actions' },
        h('button', { id: 'pay-cancel', onclick: () => {
          paying = false;
          toggle('#pay-panel', false);
        } }, t('cancel')),
        h('button', { id: 'pay-add', onclick: addPayment }, t('add_payment')),
        full ? null : h('button', { id: 'pay-later', onclick: () => void sell([]) }, t('pay_later')),
        h('button', { id: 'pay-complete', class: 'charge', onclick: complete }, t('complete')))));
  updateChange();
}

/** The payment the amount typed makes now (never more than what remains) and the change. */
function currentPayment(): { amount: number; change: number } {
  const remaining = round2(totals().total - paidSoFar());
  const v = Number($<HTMLInputElement>('#tendered')?.value ?? 0);
  const typed = Number.isFinite(v) && v > 0 ? round2(v) : 0;
  // only cash gives change; a card is never charged more than is due
  const amount = Math.min(typed, remaining);
  return { amount, change: method === 'Cash' ? round2(Math.max(0, typed - remaining)) : 0 };
}

function updateChange(): void {
  const { change } = currentPayment();
  const el = $('#change-due');
  if (el) {
    el.textContent = fmt.money(change);
    el.dataset.value = String(change);
  }
}

function addPayment(): void {
  const { amount } = currentPayment();
  if (amount <= 0 || payments.length >= 9) return;
  payments.push({ method, amount });
  renderPayment();
}

function complete(): void {
  const { amount, change } = currentPayment();
  const all = amount > 0 ? [...payments, { method, amount }] : payments;
  const paid = round2(all.reduce((s, p) => s + p.amount, 0));
  if (data.settings.billing_config?.payment_mode === 'full' && paid < totals().total) {
    replace($('#pay-error'), t('remaining'));
    return;
  }
  void sell(all, change);
}

// ---------- selling ----------

let selling = false;

async function sell(pays: { method: string; amount: number }[], change = 0): Promise<void> {
  // a double tap on "Complete" sells once: the first tap empties the cart before the second counts
  if (!outbox || lines.length === 0 || selling) return;
  selling = true;
  try {
    await record(pays, change);
  } finally {
    selling = false;
  }
}

async function record(pays: { method: string; amount: number }[], change: number): Promise<void> {
  if (!outbox) return;
  const soldAt = saleNow().toISOString();
  const body: Record<string, unknown> = {
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
  payments = [];
  paying = false;
  masterId = null;
  toggle('#pay-panel', false);
  relayout(false);
  await showReceipt(entry.seq!);
  void outbox.sync();
}

function receiptOf(e: OutboxEntry): ReceiptData {
  const x = e.extra as any;
  const b = e.bill;
  if (b) {
    return {
      bill_number: b.bill_number,
      offline_ref: e.offline_ref,
      sold_at: b.created_at ?? e.client_created_at,
      customer: b.customer ? { name: x.customer?.name ?? b.customer.name, trn: b.customer.trn, business: b.customer.customer_type === 'Business' } : null,
      items: b.items.map((i: any) => ({ name: i.product_name, quantity: i.quantity, rate: i.rate, discount_percent: i.discount_percent, total: i.total })),
      vat_percent: b.vat_percent,
      subtotal: b.subtotal,
      discount: b.discount,
      vat: b.vat_amount,
      total: b.total_amount,
      payments: b.payments.map((p: any) => ({ method: p.method, amount: p.amount })),
      paid: b.paid,
      balance: b.balance,
      change: x.change ?? 0,
      cashier: x.cashier,
      points_earned: b.loyalty?.points_earned,
      tier: b.loyalty?.tier,
    };
  }
  const l = x.local;
  const paid = round2(l.payments.reduce((s: number, p: { amount: number }) => s + p.amount, 0));
  return {
    bill_number: null,
    offline_ref: e.offline_ref,
    sold_at: e.client_created_at,
    customer: x.customer,
    items: l.items,
    vat_percent: l.vat_percent,
    subtotal: l.subtotal,
    discount: l.discount,
    vat: l.vat,
    total: l.total,
    payments: l.payments,
    paid,
    balance: round2(l.total - paid),
    change: x.change ?? 0,
    cashier: x.cashier,
  };
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
  const [queued, refused, synced] = await Promise.all([outbox.list('queued'), outbox.list('refused'), outbox.list('synced')]);
  const badge = $('#outbox-button');
  if (badge) {
    badge.dataset.count = String(queued.length);
    badge.dataset.refused = String(refused.length);
    badge.textContent = `${queued.length} ${t('pending')}${refused.length ? ` · ${refused.length} !` : ''}`;
    badge.classList.toggle('warn', refused.length > 0);
  }
  replace($('#outbox-panel'),
    h('div', { class: 'panel' },
      h('h2', {}, `${queued.length} ${t('pending')}`),
      h('ul', { id: 'queued-list' }, ...queued.map((e) => h('li', {}, e.offline_ref))),
      refused.length ? h('h2', {}, t('refused')) : null,
      h('ul', { id: 'refused-list' }, ...refused.map((e) =>
        h('li', { 'data-ref': e.offline_ref },
          h('strong', {}, e.offline_ref), ' ', h('span', { class: 'error' }, `${e.error?.code}: ${e.error?.message}`),
          e.error?.code === 'stale_price' ? ` (${JSON.stringify(e.error.details)})` : '',
          ' ', h('button', { onclick: async () => {
            await outbox!.retry(e.seq!);
            void outbox!.sync();
          } }, t('retry'))))),
      h('h2', {}, t('receipt')),
      h('ul', { id: 'synced-list' }, ...synced.slice(-10).reverse().map((e) =>
        h('li', {}, `${e.bill?.bill_number ?? e.offline_ref} · ${fmt.money(e.bill?.total_amount ?? 0)} `,
          h('button', { class: 'reprint', onclick: () => void showReceipt(e.seq!) }, t('reprint'))))),
      h('button', { onclick: () => toggle('#outbox-panel', false) }, t('done'))));
  // the receipt on screen gets its final number as soon as the server gives it
  if (receiptSeq !== undefined && !$('#receipt')?.classList.contains('hidden')) {
    const e = await outbox.get(receiptSeq);
    const shown = $('#receipt-paper')?.dataset.provisional === 'true';
    if (e && ((shown && e.state !== 'queued') || (e.state === 'refused' && !$('#receipt-refused')))) await showReceipt(receiptSeq, true);
  }
}

// ---------- cashier PIN ----------

function openPin(): void {
  const pin = h('input', { id: 'pin-input', type: 'password', inputmode: 'numeric', maxlength: 6, autocomplete: 'off', 'aria-label': t('pin') });
  const keypad = h('div', { class: 'keypad' }, ...['1', '2', '3', '4', '5', '6', '7', '8', '9', '⌫', '0', '✓'].map((k) =>
    h('button', { class: 'key', type: 'button', onclick: () => {
      if (k === '⌫') pin.value = pin.value.slice(0, -1);
      else if (k === '✓') void submit();
      else if (pin.value.length < 6) pin.value += k;
    } }, k)));
  const error = h('p', { class: 'error', id: 'pin-error' });
  async function submit(): Promise<void> {
    try {
      const r = await api.post<{ token: string; cashier: { id: number; name: string } }>('/api/terminal/sessions', { pin: pin.value });
      localStorage.setItem(SESSION_KEY, JSON.stringify(r));
      toggle('#pin-panel', false);
      renderHeader();
    } catch (err) {
      error.textContent = err instanceof ApiError ? err.message : (err as Error).message;
      pin.value = '';
    }
  }
  replace($('#pin-panel'),
    h('form', { class: 'panel pin', onsubmit: (e: Event) => {
      e.preventDefault();
      void submit();
    } }, h('h2', {}, t('cashier_sign_in')), pin, keypad, error,
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => toggle('#pin-panel', false) }, t('cancel')),
        h('button', { type: 'submit', id: 'pin-submit', class: 'charge' }, t('sign_in')))));
  toggle('#pin-panel', true);
  pin.focus();
}

async function signOut(): Promise<void> {
  try {
    await api.call('DELETE', '/api/terminal/sessions/current');
  } catch {
    // offline: the session ends on the server when it expires; this terminal forgets it now
  }
  localStorage.removeItem(SESSION_KEY);
  renderHeader();
}

// ---------- data ----------

async function loadCatalogue(): Promise<void> {
  const all: Product[] = [];
  const at = saleNow().toISOString();
  for (let page = 1; page <= 50; page++) {
    const r = await api.get<{ items: Product[]; total: number; per_page: number }>(`/api/products?per_page=200&page=${page}`);
    all.push(...r.items);
    if (page * r.per_page >= r.total) break;
  }
  data.products = all;
  data.catalogue_at = at;
}

/** After being offline: what changed in the catalogue since the last read, and the settings. */
async function catchUp(): Promise<void> {
  try {
    if (data.catalogue_at) {
      const since = data.catalogue_at;
      const at = saleNow().toISOString();
      for (let page = 1; page <= 50; page++) {
        const r = await api.get<{ items: Product[]; total: number; per_page: number }>(`/api/products?per_page=200&page=${page}&updated_since=${encodeURIComponent(since)}`);
        for (const p of r.items) mergeProduct(p);
        if (page * r.per_page >= r.total) break;
      }
      data.catalogue_at = at;
    }
    const s = await api.get<Settings>('/api/shop-settings');
    if (s.version !== data.settings.version) {
      applySettings(s);
      relayout();
    }
    data.customers = (await api.get<{ items: Customer[] }>('/api/counter/customers?limit=50')).items;
    saveData();
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
    const me = await api.get<{ role: string; id: number; shop_id: number }>('/api/auth/me');
    if (me.role !== 'terminal') return askToken('That is not a terminal token.');
    data.me = { id: me.id, shop_id: me.shop_id };
    const [settings, , masters, customers] = await Promise.all([
      api.get<Settings>('/api/shop-settings'),
      loadCatalogue(),
      api.get<{ items: { id: number; name: string }[] }>('/api/masters'),
      api.get<{ items: Customer[] }>('/api/counter/customers?limit=50'),
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
      applySettings(await api.get<Settings>('/api/shop-settings'));
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
