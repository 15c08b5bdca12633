/**
 * What the outbox holds, for the cashier and the manager: the header badge counts the bills
 * waiting to sync (and warns of refused ones); the panel lists them, the refused ones with the
 * server's reason and a retry, and the recent synced ones to reprint with their final number.
 */
import { h, replace } from './dom.ts';
import type { formatter } from './format.ts';
import { t } from './i18n.ts';
import type { Outbox } from './outbox.ts';

/** "(#12: sold at 40.00; the price then 45.00, now 45.00)" from stale_price's details. */
function stalePrice(details: unknown, fmt: ReturnType<typeof formatter>): string {
  const d = details as { product_id?: number; rate?: number; price_then?: number | null; price_now?: number } | undefined;
  if (!d) return '';
  const money = (v: number | null | undefined) => (v === null || v === undefined ? '—' : fmt.money(v));
  return `(#${d.product_id}: ${t('sold_at')} ${money(d.rate)}; ${t('price_then')} ${money(d.price_then)}, ${t('price_now')} ${money(d.price_now)})`;
}

export async function drawOutbox(
  badge: HTMLElement | null,
  panel: Element | null,
  outbox: Outbox,
  fmt: ReturnType<typeof formatter>,
  on: { reprint: (seq: number) => void; close: () => void },
): Promise<void> {
  const [queued, refused, synced] = await Promise.all([outbox.list('queued'), outbox.list('refused'), outbox.list('synced')]);
  if (badge) {
    badge.dataset.count = String(queued.length);
    badge.dataset.refused = String(refused.length);
    badge.textContent = `${queued.length} ${t('pending')}${refused.length ? ` · ${refused.length} !` : ''}`;
    badge.classList.toggle('warn', refused.length > 0);
  }
  replace(panel,
    h('div', { class: 'panel' },
      h('h2', {}, `${queued.length} ${t('pending')}`),
      h('ul', { id: 'queued-list' }, ...queued.map((e) => h('li', {}, e.offline_ref))),
      refused.length ? h('h2', {}, t('refused')) : null,
      h('ul', { id: 'refused-list' }, ...refused.map((e) =>
        h('li', { 'data-ref': e.offline_ref },
          h('strong', {}, e.offline_ref), ' ', h('span', { class: 'error' }, `${e.error?.code}: ${e.error?.message}`),
          e.error?.code === 'stale_price' ? ` ${stalePrice(e.error.details, fmt)}` : '',
          ' ', h('button', { onclick: async () => {
            await outbox.retry(e.seq!);
            void outbox.sync();
          } }, t('retry'))))),
      h('h2', {}, t('receipt')),
      h('ul', { id: 'synced-list' }, ...synced.slice(-10).reverse().map((e) =>
        h('li', {}, `${e.bill?.bill_number ?? e.offline_ref} · ${fmt.money(e.bill?.total_amount ?? 0)} `,
          h('button', { class: 'reprint', onclick: () => on.reprint(e.seq!) }, t('reprint'))))),
      h('button', { onclick: on.close }, t('done'))));
}
