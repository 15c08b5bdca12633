/**
 * A typed client for the Tajir POS API: REST through openapi-fetch over the types generated from
 * /openapi.json (api-types.ts), and the Socket.IO event maps for socket.io-client. Pages, tests
 * and terminal scripts use it instead of hand-written fetch wrappers.
 *
 *   const api = createTajirClient({ baseUrl: 'http://localhost:3000', token: () => session.token });
 *   const { data, error } = await api.GET('/api/products', { params: { query: { search: 'kandura' } } });
 */
import createFetchClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types.ts';

export type { components, operations, paths } from './api-types.ts';
export type { ClientToServerEvents, ServerToClientEvents } from '../realtime/contracts.ts';

export interface TajirClientOptions {
  /** The service's origin, e.g. http://localhost:3000 (pages pass their own origin). */
  baseUrl: string;
  /** The bearer token, or a function read on every request (a refreshed token is picked up). */
  token?: string | (() => string | undefined);
  /** Default: the global fetch. */
  fetch?: typeof fetch;
}

export type TajirClient = Client<paths>;

export function createTajirClient(opts: TajirClientOptions): TajirClient {
  const client = createFetchClient<paths>({ baseUrl: opts.baseUrl, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  client.use({
    onRequest({ request }) {
      const token = typeof opts.token === 'function' ? opts.token() : opts.token;
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      return request;
    },
  });
  return client;
}
