/**
 * A typed client for the Tajir POS API: REST through openapi-fetch over the types generated from
 * /openapi.json (api-types.ts), and the Socket.IO event maps for socket.io-client. Pages, tests
 * and terminal scripts use it instead of hand-written fetch wrappers. It has no Node dependency,
 * so the pages' esbuild bundle imports it as it is.
 *
 *   const api = createTajirClient({ baseUrl: 'http://localhost:3000', token: () => session.token });
 *   const { data, error } = await api.GET('/api/products', { params: { query: { search: 'kandura' } } });
 *   const products = await must(api.GET('/api/products'));   // the data, or a TajirApiError
 */
import createFetchClient, { type Client } from 'openapi-fetch';
import type { operations, paths } from './api-types.ts';

export type { components, operations, paths } from './api-types.ts';
export type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contracts.ts';

export interface TajirClientOptions {
  /** The service's origin, e.g. http://localhost:3000 (pages pass their own origin). */
  baseUrl: string;
  /** The bearer token, or a function read on every request (a refreshed token is picked up). */
  token?: string | (() => string | null | undefined);
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export type TajirClient = Client<paths>;

export function createTajirClient(opts: TajirClientOptions): TajirClient {
  const client = createFetchClient<paths>({ baseUrl: opts.baseUrl, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  client.use({
    onRequest({ request }) {
      // an explicit Authorization header on the call (another principal's token) wins
      if (request.headers.has('authorization')) return request;
      const token = typeof opts.token === 'function' ? opts.token() : opts.token;
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}

type JsonOf<R> = R extends { content: { 'application/json': infer J } } ? J : never;
type Ok<R> = R extends { 200: infer A } ? A : R extends { 201: infer A } ? A : never;

/** The JSON an operation answers on success, by operationId: `Answer<'getBillsById'>`. */
export type Answer<Op extends keyof operations> = JsonOf<Ok<operations[Op]['responses']>>;
/** The JSON body an operation takes, by operationId: `RequestBody<'postBills'>`. */
export type RequestBody<Op extends keyof operations> = operations[Op] extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

/** The API's error envelope as an exception (API.md "Conventions"). */
export class TajirApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'TajirApiError';
  }
}

interface Outcome<T> {
  data?: T;
  error?: unknown;
  response: Response;
}

/** The data of a typed call, or a TajirApiError carrying the API's error code and message. */
export async function must<T>(call: Promise<Outcome<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response.ok) return data as T;
  const e = (error as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  throw new TajirApiError(response.status, e?.code ?? 'error', e?.message ?? response.statusText, e?.details);
}
