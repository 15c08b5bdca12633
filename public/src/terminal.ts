/**
 * The POS terminal page (/terminal): signs in with a terminal token (pasted once, kept in this
 * browser), shows the catalogue, builds a bill with the server's totals (POST /api/bills/quote),
 * submits it with an Idempotency-Key per draft (a double click or a retry never makes two
 * bills), prints a receipt. Price and settings pushes apply without a reload; settings are
 * acknowledged with settings:ack.
 */
import { ApiError, createApi } from './api.ts';
import { type ConnectionState, openConnection, type PageSocket } from './connection.ts';
import { $, h, replace } from './dom.ts';
import { DEFAULT_LOCALE, formatter, type Locale } from './format.ts';
import { setLanguage, t } from './i18n.ts';

const TOKEN_KEY = 'tajir.terminal.token';
const api = createApi(() => localStorage.getItem(TOKEN_KEY), () => askToken('The token was refused.'));

interface Product {
  id: number;
  name: string;
  type_name: string;
  rate: number;
  active: boolean;
  deleted?: boolean;
}
interface Line {
  product_id: number;
  quantity: number;
  discount_percent: number;
}

let locale: Locale = DEFAULT_LOCALE;
let fmt = formatter(locale);
let paymentMethods: string[] = ['Cash', 'Card'];
const products = new Map<number, Product>();
let masters: { id: number; name: string }[] = [];
let lines: Line[] = [];
let draftKey = crypto.randomUUID();
let submitting = false;
let socket: PageSocket | undefined;

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
        await start();
      },
    }, h('h1', {}, `Tajir POS · ${t('terminal')}`), h('label', {}, t('token')), input,
      error ? h('p', { class: 'error' }, error) : null,
      h('button', { type: 'submit', id: 'token-save' }, t('save'))),
  );
}

function applySettings(s: any): void {
  locale = { ...DEFAULT_LOCALE, ...(s.locale ?? {}) };
  paymentMethods = s.payment_methods ?? paymentMethods;
  setLanguage(locale.language);
  fmt = formatter(locale);
}

function productOptions() {
  return [...products.values()]
    .filter((p) => p.active && !p.deleted)
    .sort((a, b) => a.type_name.localeCompare(b.type_name) || a.name.localeCompare(b.name))
    .map((p) => h('option', { value: p.id, 'data-rate': p.rate }, `${p.type_name} · ${p.name} · ${fmt.money(p.rate)}`));
}

function renderCatalogue(): void {
  replace($('#product-select'), ...productOptions());
  replace(
    $('#catalogue'),
    h('ul', { id: 'catalogue-list' }, ...[...products.values()].filter((p) => p.active && !p.deleted).map((p) =>
      h('li', { 'data-product-id': p.id }, h('span', { class: 'name' }, p.name), ' ', h('span', { class: 'price' }, fmt.money(p.rate))))),
  );
}

let quoteTimer: ReturnType<typeof setTimeout> | undefined;
function requote(): void {
  clearTimeout(quoteTimer);
  quoteTimer = setTimeout(async () => {
    if (lines.length === 0) return replace($('#totals'));
    try {
      const q = await api.post<any>('/api/bills/quote', { items: lines });
      replace($('#totals'),
        h('div', {}, `${t('subtotal')}: `, h('span', { id: 'quote-subtotal' }, fmt.money(q.subtotal))),
        h('div', {}, `${t('vat')} (${q.vat_percent}%): `, h('span', { id: 'quote-vat' }, fmt.money(q.vat_amount))),
        h('div', { class: 'total' }, `${t('total')}: `, h('span', { id: 'quote-total' }, fmt.money(q.total_amount))));
    } catch (err) {
      replace($('#totals'), h('p', { class: 'error' }, (err as Error).message));
    }
  }, 120);
}

function renderLines(): void {
  replace($('#lines'), h('table', { id: 'lines-table' },
    h('tbody', {}, ...lines.map((l, i) => {
      const p = products.get(l.product_id);
      return h('tr', {}, h('td', {}, p?.name ?? `#${l.product_id}`), h('td', {}, `× ${l.quantity}`), h('td', {}, `${l.discount_percent}%`),
        h('td', {}, h('button', { onclick: () => { lines.splice(i, 1); renderLines(); requote(); } }, t('remove'))));
    }))));
}

function layout(): void {
  const qty = h('input', { id: 'qty', type: 'number', min: 1, value: 1 });
  const discount = h('input', { id: 'discount', type: 'number', min: 0, max: 100, value: 0 });
  const phone = h('input', { id: 'customer-phone', type: 'tel' });
  const name = h('input', { id: 'customer-name' });
  const master = h('select', { id: 'master' }, h('option', { value: '' }, t('none')), ...masters.map((m) => h('option', { value: m.id }, m.name)));
  const advance = h('input', { id: 'advance', type: 'number', min: 0, step: '0.01', value: '' });
  const method = h('select', { id: 'method' }, ...paymentMethods.map((m) => h('option', { value: m }, m)));
  const submit = h('button', { id: 'submit', class: 'primary' }, t('submit'));
  submit.addEventListener('click', async () => {
    if (submitting || lines.length === 0) return;
    submitting = true;
    submit.setAttribute('disabled', '');
    const body: any = { items: lines };
    if (phone.value.trim()) body.customer = { phone: phone.value.trim(), name: name.value.trim() || phone.value.trim() };
    if (master.value) body.employee_id = Number(master.value);
    if (Number(advance.value) > 0) body.payments = [{ amount: Number(advance.value), method: method.value }];
    try {
      // The same key for every retry of this draft: the server answers a retry with the first bill.
      const bill = await api.post<any>('/api/bills', body, { 'Idempotency-Key': draftKey });
      // the draft is done: lines added from now on are a new bill with a key of its own
      lines = [];
      draftKey = crypto.randomUUID();
      renderLines();
      replace($('#totals'));
      showReceipt(bill);
    } catch (err) {
      replace($('#submit-error'), err instanceof ApiError ? `${err.code}: ${err.message}` : `${(err as Error).message} — retry`);
    } finally {
      submitting = false;
      submit.removeAttribute('disabled');
    }
  });
  replace(
    $('#app'),
    h('header', {}, h('h1', {}, `Tajir POS · ${t('terminal')}`), h('span', { id: 'indicator', class: 'indicator reconnecting' }, t('reconnecting'))),
    h('section', { class: 'grid' },
      h('div', { class: 'card' }, h('h2', {}, t('product')), h('div', { id: 'catalogue' })),
      h('div', { class: 'card', id: 'builder' },
        h('div', { class: 'row' }, h('select', { id: 'product-select' }), qty, discount,
          h('button', { id: 'add-line', onclick: () => {
            const sel = $<HTMLSelectElement>('#product-select');
            if (!sel?.value) return;
            lines.push({ product_id: Number(sel.value), quantity: Math.max(1, Number(qty.value) || 1), discount_percent: Math.min(100, Math.max(0, Number(discount.value) || 0)) });
            renderLines();
            requote();
          } }, t('add_line'))),
        h('div', { id: 'lines' }),
        h('div', { class: 'row' }, h('label', {}, t('customer_phone'), phone), h('label', {}, t('customer_name'), name), h('label', {}, t('master'), master)),
        h('div', { class: 'row' }, h('label', {}, t('advance'), advance), h('label', {}, t('method'), method)),
        h('div', { id: 'totals' }),
        h('p', { id: 'submit-error', class: 'error' }),
        submit),
      h('div', { class: 'card', id: 'receipt' }),
    ),
  );
  renderCatalogue();
}

let receipt: any;

function showReceipt(bill: any): void {
  receipt = bill;
  replace($('#receipt'),
    h('h2', {}, t('receipt')),
    h('div', { id: 'receipt-number' }, bill.bill_number),
    h('div', {}, fmt.date(bill.bill_date)),
    bill.customer ? h('div', { id: 'receipt-customer' }, `${bill.customer.name} · ${bill.customer.phone}`) : null,
    h('table', {}, h('tbody', {}, ...bill.items.map((i: any) => h('tr', {}, h('td', {}, i.product_name), h('td', {}, `× ${i.quantity}`), h('td', {}, fmt.money(i.total)))))),
    h('div', {}, `${t('subtotal')}: ${fmt.money(bill.subtotal)}`),
    h('div', {}, `${t('vat')}: ${fmt.money(bill.vat_amount)}`),
    h('div', { class: 'total', id: 'receipt-total' }, `${t('total')}: ${fmt.money(bill.total_amount)}`),
    h('div', {}, `${t('collected')}: ${fmt.money(bill.paid)} · ${t('outstanding')}: ${fmt.money(bill.balance)}`),
    h('button', { onclick: () => window.print() }, t('print')),
    h('button', { id: 'new-bill', onclick: () => { lines = []; draftKey = crypto.randomUUID(); receipt = undefined; renderLines(); replace($('#totals')); replace($('#receipt')); } }, t('new_bill')),
  );
}

/** layout() again with what the cashier has typed, the lines and the receipt kept. */
function relayout(): void {
  const ids = ['qty', 'discount', 'customer-phone', 'customer-name', 'master', 'advance', 'method'];
  const typed = new Map(ids.map((id) => [id, $<HTMLInputElement>(`#${id}`)?.value]));
  const selected = $<HTMLSelectElement>('#product-select')?.value;
  const indicator = $('#indicator')?.dataset.state as ConnectionState | undefined;
  layout();
  for (const [id, v] of typed) {
    const el = $<HTMLInputElement>(`#${id}`);
    if (el && v !== undefined && (el.tagName !== 'SELECT' || [...(el as unknown as HTMLSelectElement).options].some((o) => o.value === v))) el.value = v;
  }
  const sel = $<HTMLSelectElement>('#product-select');
  if (sel && selected) sel.value = selected;
  const el = $('#indicator');
  if (el && indicator) {
    el.className = `indicator ${indicator}`;
    el.dataset.state = indicator;
    el.textContent = t(indicator);
  }
  renderLines();
  if (receipt) showReceipt(receipt);
}

async function loadCatalogue(): Promise<void> {
  products.clear();
  for (let page = 1; ; page++) {
    const r = await api.get<{ items: Product[]; total: number; per_page: number }>(`/api/products?per_page=200&page=${page}`);
    for (const p of r.items) products.set(p.id, p);
    if (page * r.per_page >= r.total) break;
  }
}

async function start(): Promise<void> {
  const token = localStorage.getItem(TOKEN_KEY);
  if (!token) return askToken();
  try {
    const me = await api.get<{ role: string }>('/api/auth/me');
    if (me.role !== 'terminal') return askToken('That is not a terminal token.');
    applySettings(await api.get('/api/shop-settings').catch(() => ({})));
    await loadCatalogue();
    masters = (await api.get<{ items: { id: number; name: string }[] }>('/api/masters')).items;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return;
    return askToken((err as Error).message);
  }
  layout();
  socket = openConnection(token, (s) => {
    const el = $('#indicator');
    if (el) {
      el.className = `indicator ${s}`;
      el.dataset.state = s;
      el.textContent = t(s);
    }
  }, () => askToken('The token was refused.'));
  socket.on('product:updated', ({ product }) => {
    const p = product as unknown as Product;
    products.set(p.id, { ...(products.get(p.id) ?? p), ...p });
    renderCatalogue();
    requote();
  });
  socket.on('settings:updated', (m) => {
    if (m.section === 'locale' && m.value && typeof m.value === 'object') locale = { ...locale, ...(m.value as Partial<Locale>) };
    if (m.section === 'payment_methods' && Array.isArray((m.value as any)?.payment_methods ?? m.value)) {
      paymentMethods = (m.value as any)?.payment_methods ?? m.value;
    }
    setLanguage(locale.language);
    fmt = formatter(locale);
    // labels, the method list and prices are drawn by layout(): redraw it, keeping the draft
    relayout();
    // VAT rates, price mode and payment mode live on the server: the quote reflects them
    requote();
    socket?.emit('settings:ack', { version: m.version });
  });
}

void start();
