/**
 * An HTTP client for a service of the test's own (a child process on its own port), with a
 * deadline on every request, and the few helpers fault tests share: a shop with a product, and
 * bill writers that retry with their Idempotency-Key the way a terminal does.
 */
import { randomUUID } from 'node:crypto';

export interface RemoteRes<T = any> {
  status: number;
  body: T;
  ms: number;
}

export interface Remote {
  url: string;
  call<T = any>(method: string, path: string, opts?: { token?: string; body?: unknown; headers?: Record<string, string>; timeoutMs?: number }): Promise<RemoteRes<T>>;
}

/** status 0: no answer (refused, reset, or past timeoutMs, default 10 s). */
export function remote(url: string): Remote {
  return {
    url,
    async call(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      if (opts.token) headers.authorization = `Bearer ${opts.token}`;
      if (opts.body !== undefined) headers['content-type'] = 'application/json';
      const started = performance.now();
      try {
        const res = await fetch(url + path, {
          method,
          headers,
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
        });
        const text = await res.text();
        const body = (res.headers.get('content-type') ?? '').includes('json') && text ? JSON.parse(text) : text;
        return { status: res.status, body, ms: performance.now() - started };
      } catch {
        return { status: 0, body: undefined, ms: performance.now() - started };
      }
    },
  };
}

export interface RemoteShop {
  token: string;
  shopId: number;
  email: string;
  password: string;
  productId: number;
}

/** Signs up a shop with one product on the given service. */
export async function remoteShop(api: Remote, tag: string): Promise<RemoteShop> {
  const email = `${tag}-${randomUUID().slice(0, 8)}@test.tajir`;
  const password = 'correct-horse-1';
  // set-up, not a measured request: a node that just started on a loaded machine (argon2 for the
  // password, the first request's compilation) has taken over the 10 s default
  const timeoutMs = 60_000;
  const s = await api.call('POST', '/api/auth/signup', { body: { shop_name: `Shop ${tag}`, email, password }, timeoutMs });
  if (s.status !== 201) throw new Error(`signup: ${s.status} ${JSON.stringify(s.body)}`);
  const token = s.body.token as string;
  const t = await api.call('POST', '/api/product-types', { token, body: { name: 'General' }, timeoutMs });
  const p = await api.call('POST', '/api/products', { token, body: { type_id: t.body.id, name: 'Kandura', rate: 100 }, timeoutMs });
  if (p.status !== 201) throw new Error(`product: ${p.status} ${JSON.stringify(p.body)}`);
  return { token, shopId: s.body.shop.id, email, password, productId: p.body.id };
}

export interface Ack {
  key: string;
  shopId: number;
  id: number;
  billNumber: number;
}

/**
 * Posts one bill and retries with the same Idempotency-Key on anything but an answer (5xx,
 * no answer) until it is acknowledged or `giveUpAt`. Returns the acknowledgement, or undefined.
 */
export async function postBillWithRetries(api: Remote, shop: RemoteShop, giveUpAt: number, extra: Record<string, unknown> = {}): Promise<Ack | undefined> {
  const key = randomUUID();
  const body = { items: [{ product_id: shop.productId, quantity: 1 }], ...extra };
  while (Date.now() < giveUpAt) {
    const r = await api.call('POST', '/api/bills', { token: shop.token, body, headers: { 'idempotency-key': key }, timeoutMs: 5000 });
    if (r.status === 201) return { key, shopId: shop.shopId, id: r.body.id, billNumber: r.body.bill_number };
    // 409: the first attempt of this key is still running (its answer was cut short); ask again
    if (r.status !== 0 && r.status < 500 && r.status !== 429 && r.status !== 409) throw new Error(`bill refused: ${r.status} ${JSON.stringify(r.body)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
  return undefined;
}
