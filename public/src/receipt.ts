/**
 * The receipt: a UAE simplified tax invoice on 80 mm paper (styles.css `@media print` prints
 * this element alone). It carries the words "Tax Invoice", the shop's name, address and TRN, the
 * bill number and date, each line, the VAT, the total with VAT, and the customer's name and TRN
 * when the customer is a business. A bill not yet synced prints as provisional with its
 * offline_ref; it is reprinted with the final number once the server has it.
 */
import { h } from './dom.ts';
import type { formatter } from './format.ts';
import { t } from './i18n.ts';
import type { OutboxEntry } from './outbox.ts';

export interface ShopInfo {
  name?: string;
  address?: string | null;
  city?: string | null;
  trn?: string | null;
  phone?: string | null;
  invoice_footer?: string | null;
}

export interface ReceiptData {
  /** null while provisional */
  bill_number: string | null;
  offline_ref: string;
  /** the instant of sale */
  sold_at: string;
  customer: { name: string; phone?: string; trn?: string | null; business?: boolean } | null;
  items: { name: string; quantity: number; rate: number; discount_percent: number; total: number }[];
  vat_percent: number;
  subtotal: number;
  discount: number;
  vat: number;
  total: number;
  payments: { method: string; amount: number }[];
  paid: number;
  balance: number;
  change: number;
  cashier: string | null;
  points_earned?: number;
  tier?: string | null;
}

export function renderReceipt(r: ReceiptData, shop: ShopInfo, fmt: ReturnType<typeof formatter>, timeZone: string) {
  const row = (label: string, value: string, id?: string) =>
    h('div', { class: 'r-row' }, h('span', {}, label), h('span', id ? { id } : {}, value));
  const when = new Date(r.sold_at);
  const day = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(when);
  return h('div', { class: 'receipt-paper', id: 'receipt-paper', 'data-provisional': r.bill_number === null ? 'true' : 'false' },
    h('div', { class: 'r-title', id: 'receipt-title' }, r.bill_number === null ? `${t('tax_invoice')} · ${t('provisional')}` : t('tax_invoice')),
    h('div', { class: 'r-shop', id: 'receipt-shop' }, shop.name ?? ''),
    shop.address || shop.city ? h('div', { class: 'r-center' }, [shop.address, shop.city].filter(Boolean).join(', ')) : null,
    shop.phone ? h('div', { class: 'r-center' }, shop.phone) : null,
    shop.trn ? h('div', { class: 'r-center', id: 'receipt-shop-trn' }, `${t('trn')}: ${shop.trn}`) : null,
    h('hr'),
    r.bill_number === null
      ? row(t('provisional_ref'), r.offline_ref, 'receipt-ref')
      : row(t('bill_no'), r.bill_number, 'receipt-number'),
    row(t('date'), `${fmt.date(day)} ${fmt.time(when)}`, 'receipt-date'),
    r.cashier ? row(t('cashier'), r.cashier) : null,
    r.customer
      ? h('div', { id: 'receipt-customer' },
          row(t('customer'), r.customer.name),
          r.customer.business && r.customer.trn ? row(t('customer_trn'), r.customer.trn) : null)
      : null,
    h('hr'),
    h('table', { class: 'r-lines', id: 'receipt-lines' },
      h('tbody', {}, ...r.items.map((i) =>
        h('tr', {},
          h('td', {}, i.name, h('div', { class: 'r-sub' }, `${i.quantity} × ${fmt.money(i.rate)}${i.discount_percent > 0 ? ` −${i.discount_percent}%` : ''}`)),
          h('td', { class: 'r-amount' }, fmt.money(i.total)))))),
    h('hr'),
    row(t('subtotal_ex_vat'), fmt.money(r.subtotal), 'receipt-subtotal'),
    r.discount > 0 ? row(t('discount_total'), fmt.money(r.discount)) : null,
    row(`${t('vat_short')} ${r.vat_percent}%`, fmt.money(r.vat), 'receipt-vat'),
    h('div', { class: 'r-row r-total' }, h('span', {}, t('total_inc_vat')), h('span', { id: 'receipt-total' }, fmt.money(r.total))),
    ...r.payments.map((p) => row(p.method, fmt.money(p.amount))),
    r.change > 0 ? row(t('change'), fmt.money(r.change), 'receipt-change') : null,
    r.balance > 0 ? row(t('balance_due'), fmt.money(r.balance), 'receipt-balance') : null,
    r.points_earned ? row(t('points_earned'), String(r.points_earned)) : null,
    shop.invoice_footer ? h('div', { class: 'r-center r-footer' }, shop.invoice_footer) : null,
  );
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** What the receipt of an outbox entry shows: the server's bill once synced, else the sale as the page priced it. */
export function receiptOf(e: OutboxEntry): ReceiptData {
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
