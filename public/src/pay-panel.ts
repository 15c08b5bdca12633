/**
 * The payment panel of the counter: cash with quick amounts and the change due, card and the
 * shop's other methods, split payments (add one, then the next), a partial or advance payment
 * (less than the total), or no payment now. In payment mode "full" the sale needs the whole total.
 * The panel keeps its own state; the page hands it the total and gets the payments back.
 */
import { quickAmounts } from './cart.ts';
import { $, h, replace } from './dom.ts';
import type { formatter } from './format.ts';
import { t } from './i18n.ts';

export interface Payment {
  method: string;
  amount: number;
}

export interface PayPanelOptions {
  total: number;
  methods: string[];
  /** payment mode "full": the payments must cover the total */
  full: boolean;
  fmt: ReturnType<typeof formatter>;
  onSell(payments: Payment[], change: number): void;
  onClose(): void;
}

const round2 = (v: number) => Math.round(v * 100) / 100;

/** Draws the panel into `el` (the page shows and hides it). */
export function openPayPanel(el: HTMLElement, o: PayPanelOptions): void {
  const payments: Payment[] = [];
  let method = o.methods[0] ?? 'Cash';
  const paidSoFar = () => round2(payments.reduce((s, p) => s + p.amount, 0));
  const { fmt } = o;

  /** The payment the amount typed makes now (never more than what remains) and the change. */
  function currentPayment(): { amount: number; change: number } {
    const remaining = round2(o.total - paidSoFar());
    const v = Number($<HTMLInputElement>('#tendered')?.value ?? 0);
    const typed = Number.isFinite(v) && v > 0 ? round2(v) : 0;
    // only cash gives change; a card is never charged more than is due
    const amount = Math.min(typed, remaining);
    return { amount, change: method === 'Cash' ? round2(Math.max(0, typed - remaining)) : 0 };
  }

  function updateChange(): void {
    const { change } = currentPayment();
    const c = $('#change-due');
    if (c) {
      c.textContent = fmt.money(change);
      c.dataset.value = String(change);
    }
  }

  function addPayment(): void {
    const { amount } = currentPayment();
    // the API takes at most 10 payments a bill; the last is the one "Complete" adds
    if (amount <= 0 || payments.length >= 9) return;
    payments.push({ method, amount });
    render();
  }

  function complete(): void {
    const { amount, change } = currentPayment();
    const all = amount > 0 ? [...payments, { method, amount }] : payments;
    const paid = round2(all.reduce((s, p) => s + p.amount, 0));
    if (o.full && paid < o.total) {
      replace($('#pay-error'), t('remaining'));
      return;
    }
    o.onSell(all, change);
  }

  function render(): void {
    const remaining = round2(o.total - paidSoFar());
    const tendered = h('input', { id: 'tendered', type: 'number', min: 0, step: '0.01', inputmode: 'decimal', value: String(remaining), oninput: updateChange,
      onkeydown: (e: Event) => {
        if ((e as KeyboardEvent).key === 'Enter') complete();
      } });
    replace(el,
      h('div', { class: 'panel pay' },
        h('h2', {}, t('pay')),
        h('div', { class: 'r-row total' }, h('span', {}, t('due')), h('span', { id: 'pay-due' }, fmt.money(o.total))),
        payments.length ? h('ul', { id: 'pay-list' }, ...payments.map((p) => h('li', {}, `${p.method}: ${fmt.money(p.amount)}`))) : null,
        h('div', { class: 'r-row' }, h('span', {}, t('remaining')), h('span', { id: 'pay-remaining' }, fmt.money(remaining))),
        h('div', { class: 'methods' }, ...o.methods.map((m) =>
          h('button', { class: `method${m === method ? ' on' : ''}`, id: `method-${m.replace(/\s+/g, '-').toLowerCase()}`, 'data-method': m, onclick: () => {
            method = m;
            render();
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
          h('button', { id: 'pay-cancel', onclick: o.onClose }, t('cancel')),
          h('button', { id: 'pay-add', onclick: addPayment }, t('add_payment')),
          o.full ? null : h('button', { id: 'pay-later', onclick: () => o.onSell([], 0) }, t('pay_later')),
          h('button', { id: 'pay-complete', class: 'charge', onclick: complete }, t('complete')))));
    updateChange();
    tendered.focus();
  }

  render();
}
