/**
 * Clients of the API under test, plus helpers that make shops and users. Every answer either one
 * receives is checked against the served /openapi.json (support/contract.ts).
 *
 * Two kinds, on purpose:
 * - `api(token)` is the typed client (src/client: openapi-fetch over the generated types), the
 *   one integrators use. Paths, parameters, bodies and answers are typed, so a test that uses it
 *   breaks at compile time when the contract changes. `must(...)` unwraps its data or throws the
 *   API's error. `newShop` and new tests use it.
 * - `call`/`get`/`post`/`put`/`patch`/`del` take any path and body and answer `{status, body}`.
 *   They stay because many tests send what the typed client refuses by design: malformed or
 *   out-of-bounds bodies, raw bytes, unknown fields and paths, another shop's ids, roles a route
 *   forbids — the point of validation, tenancy, role-matrix and hostile tests is to send what the
 *   contract does not allow. Rewriting their ~1,000 call sites onto the typed client would mean a
 *   cast at most of them, which buys no checking.
 */
import { randomBytes } from 'node:crypto';
import { createTajirClient, must, type TajirClient } from '../../src/client/index.ts';
import { checkAgainstContract } from './contract.ts';
import { env } from './env.ts';

export { must };

export interface Res<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; raw?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<Res<T>> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | Buffer | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(env().baseUrl + path, { method, headers, body: body as BodyInit | undefined });
  const text = await res.text();
  let parsed: any = text;
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  if (json) parsed = JSON.parse(text);
  await checkAgainstContract(env().baseUrl, method, path, res.status, parsed, json);
  return { status: res.status, body: parsed, headers: res.headers };
}

/** A fetch that checks every answer against /openapi.json before the typed client reads it. */
async function checkedFetch(input: Request, init?: RequestInit): Promise<Response> {
  const res = await fetch(input, init);
  const text = await res.clone().text();
  const json = (res.headers.get('content-type') ?? '').includes('json') && text !== '';
  const url = new URL(input.url);
  await checkAgainstContract(env().baseUrl, input.method, url.pathname + url.search, res.status, json ? JSON.parse(text) : text, json);
  return res;
}

/** The typed client against the service under test, as `token` (none: public routes only). */
export function api(token?: string): TajirClient {
  return createTajirClient({ baseUrl: env().baseUrl, token, fetch: checkedFetch as typeof fetch });
}

export const get = <T = any>(path: string, token?: string) => call<T>('GET', path, { token });
export const post = <T = any>(path: string, body: unknown, token?: string, headers?: Record<string, string>) =>
  call<T>('POST', path, { token, body, headers });
export const put = <T = any>(path: string, body: unknown, token?: string) => call<T>('PUT', path, { token, body });
export const patch = <T = any>(path: string, body: unknown, token?: string) => call<T>('PATCH', path, { token, body });
export const del = <T = any>(path: string, token?: string) => call<T>('DELETE', path, { token });

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(5).toString('hex')}@test.tajir`;
}

export interface ShopSession {
  token: string;
  shopId: number;
  userId: number;
  email: string;
  /** tokens for other roles of the same shop */
  manager: string;
  cashier: string;
  terminal: string;
  terminalId: number;
}

/** Signs up a new shop and adds a manager, a cashier and a terminal (through the typed client). */
export async function newShop(opts: { prices_include_vat?: boolean; vat_percent?: number } = {}): Promise<ShopSession> {
  const email = uniqueEmail('owner');
  const password = 'correct-horse-1';
  const signup = await must(api().POST('/api/auth/signup', { body: { shop_name: `Shop ${email}`, email, password, ...opts } }));
  const owner = api(signup.token);
  const mk = async (role: 'manager' | 'cashier') => {
    const e = uniqueEmail(role);
    await must(owner.POST('/api/users', { body: { email: e, password, name: role, role } }));
    return (await must(api().POST('/api/auth/login', { body: { email: e, password } }))).token;
  };
  const term = await must(owner.POST('/api/terminals', { body: { name: 'Counter 1' } }));
  return {
    token: signup.token,
    shopId: signup.shop.id,
    userId: signup.user.id,
    email,
    manager: await mk('manager'),
    cashier: await mk('cashier'),
    terminal: term.token,
    terminalId: term.id,
  };
}
