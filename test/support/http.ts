/** A small fetch-based client for the API under test, plus helpers that make shops and users. */
import { randomBytes } from 'node:crypto';
import { checkAgainstContract } from './contract.ts';
import { env } from './env.ts';

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

/** Signs up a new shop and adds a manager, a cashier and a terminal. */
export async function newShop(opts: { prices_include_vat?: boolean; vat_percent?: number } = {}): Promise<ShopSession> {
  const email = uniqueEmail('owner');
  const password = 'correct-horse-1';
  const signup = await post('/api/auth/signup', { shop_name: `Shop ${email}`, email, password, ...opts });
  if (signup.status !== 201) throw new Error(`signup failed: ${signup.status} ${JSON.stringify(signup.body)}`);
  const token = signup.body.token as string;
  const mk = async (role: 'manager' | 'cashier') => {
    const e = uniqueEmail(role);
    const r = await post('/api/users', { email: e, password, name: role, role }, token);
    if (r.status !== 201) throw new Error(`user create failed: ${JSON.stringify(r.body)}`);
    const l = await post('/api/auth/login', { email: e, password });
    return l.body.token as string;
  };
  const term = await post('/api/terminals', { name: 'Counter 1' }, token);
  return {
    token,
    shopId: signup.body.shop.id,
    userId: signup.body.user.id,
    email,
    manager: await mk('manager'),
    cashier: await mk('cashier'),
    terminal: term.body.token,
    terminalId: term.body.id,
  };
}
