/**
 * The counter's catalogue: type chips and product tiles grouped by type, each with its price,
 * filtered by the chosen type and the search box (name, type, or an exact barcode).
 */
import type { Product } from './counter-data.ts';
import { h, replace } from './dom.ts';
import type { formatter } from './format.ts';
import { t } from './i18n.ts';

export function drawChips(el: Element | null, products: readonly Product[], current: string, onType: (type: string) => void): void {
  const types = [...new Set(products.map((p) => p.type_name))].sort((a, b) => a.localeCompare(b));
  const chip = (value: string, label: string) =>
    h('button', { class: `chip${current === value ? ' on' : ''}`, 'data-type': value, onclick: () => onType(value) }, label);
  replace(el, chip('', t('all')), ...types.map((ty) => chip(ty, ty)));
}

export function drawTiles(
  el: Element | null,
  products: readonly Product[],
  filter: { typeFilter: string; search: string },
  fmt: ReturnType<typeof formatter>,
  onAdd: (productId: number) => void,
): void {
  const term = filter.search.trim().toLowerCase();
  const shown = products
    .filter((p) => (!filter.typeFilter || p.type_name === filter.typeFilter) && (!term || p.name.toLowerCase().includes(term) || p.type_name.toLowerCase().includes(term) || p.barcode === term))
    .sort((a, b) => a.type_name.localeCompare(b.type_name) || a.name.localeCompare(b.name));
  const groups = new Map<string, Product[]>();
  for (const p of shown) groups.set(p.type_name, [...(groups.get(p.type_name) ?? []), p]);
  replace(el,
    ...[...groups].map(([type, ps]) =>
      h('div', { class: 'tile-group', 'data-type': type },
        h('h3', {}, type),
        h('div', { class: 'tile-grid' }, ...ps.map((p) =>
          h('button', { class: 'tile', 'data-product-id': p.id, onclick: () => onAdd(p.id) },
            h('span', { class: 'name' }, p.name),
            h('span', { class: 'price' }, fmt.money(p.rate))))))));
}
