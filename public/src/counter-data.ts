/**
 * What the counter needs to sell — who this terminal is, the settings, the catalogue, the masters
 * and the recent customers — kept in localStorage, so a reload with the network cut still sells
 * (the service worker, sw.ts, also keeps the shell and the last answers of these reads).
 */
import type { Api } from './api.ts';
import type { VatRate } from './cart.ts';
import type { Locale } from './format.ts';
import type { ShopInfo } from './receipt.ts';

const DATA_KEY = 'tajir.terminal.data';

export interface Product {
  id: number;
  name: string;
  type_name: string;
  rate: number;
  barcode?: string | null;
  active: boolean;
  deleted?: boolean;
  updated_at?: string;
}
export interface Customer {
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
export interface Settings {
  shop_info?: ShopInfo;
  billing_config?: { payment_mode?: string; prices_include_vat?: boolean; default_employee_id?: number | null };
  vat_rates?: VatRate[];
  payment_methods?: string[];
  locale?: Partial<Locale>;
  loyalty?: { config?: { enabled?: boolean }; tiers?: { name: string; threshold_points: number; discount_percent: number }[] };
  version?: number;
}
/** What the counter needs to sell, kept in localStorage so a reload offline still sells. */
export interface Data {
  me?: { id: number; shop_id: number };
  settings: Settings;
  products: Product[];
  masters: { id: number; name: string }[];
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
  const filter = since ? `&updated_since=${encodeURIComponent(since)}` : '';
  for (let page = 1; page <= 50; page++) {
    const r = await api.get<{ items: Product[]; total: number; per_page: number }>(`/api/products?per_page=200&page=${page}${filter}`);
    all.push(...r.items);
    if (page * r.per_page >= r.total) break;
  }
  return all;
}
