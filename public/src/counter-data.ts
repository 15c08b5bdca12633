/**
 * What the counter needs to sell — who this terminal is, the settings, the catalogue, the masters
 * and the recent customers — kept in localStorage, so a reload with the network cut still sells
 * (the service worker, sw.ts, also keeps the shell and the last answers of these reads).
 */
import { type Answer, type Api, must } from './api.ts';

const DATA_KEY = 'tajir.terminal.data';

// the shapes come from the typed client (generated from /openapi.json), so they follow the API
/** A product as GET /api/products answers it. */
export type Product = Answer<'getProducts'>['items'][number];
type CounterCustomer = Answer<'getCounterCustomers'>['items'][number];
/** A customer from GET /api/counter/customers, or one typed in by phone that the bill will create (no id yet). */
export type Customer = Partial<CounterCustomer> & Pick<CounterCustomer, 'name' | 'phone'>;
/** The shop settings as GET /api/shop-settings answers them; empty until the first read. */
export type Settings = Partial<Answer<'getShopSettings'>>;
/** What the counter needs to sell, kept in localStorage so a reload offline still sells. */
export interface Data {
  me?: { id: number; shop_id: number };
  settings: Settings;
  products: Product[];
  masters: Answer<'getMasters'>['items'];
  customers: Customer[];
  /** server time of the last catalogue read (for ?updated_since=) */
  catalogue_at?: string;
}

export function loadData(): Data {
  try {
    return { settings: {}, products: [], masters: [], customers: [], ...JSON.parse(localStorage.getItem(DATA_KEY) ?? '{}') };
  } catch {
    return { settings: {}, products: [], masters: [], customers: [] };
  }
}

export const storeData = (data: Data) => localStorage.setItem(DATA_KEY, JSON.stringify(data));

/** Every product (at most 50 pages of 200), or those changed since an instant (deleted ones marked). */
export async function fetchProducts(api: Api, since?: string): Promise<Product[]> {
  const all: Product[] = [];
  for (let page = 1; page <= 50; page++) {
    const query = { per_page: 200, page, ...(since ? { updated_since: since } : {}) };
    const r = await must(api.GET('/api/products', { params: { query } }));
    all.push(...r.items);
    if (page * r.per_page >= r.total) break;
  }
  return all;
}
