/**
 * Reading a request. uWebSockets.js's `req` lives on the stack and is invalid after the first
 * await, so everything a route needs is copied out here, synchronously, before any work starts.
 */
import type { HttpRequest, HttpResponse } from 'uWebSockets.js';
import { readBody } from './body.ts';
import type { RequestInfo } from './route.ts';

export interface ReadRequest {
  info: RequestInfo;
  /** The `Authorization: Bearer` token: undefined without the header, '' when it is malformed. */
  token: string | undefined;
  params: Record<string, string>;
  query: Record<string, string>;
  /** The body, read as it arrives (methods with a body only); rejects with 413 past the limit. */
  body: Promise<Buffer> | undefined;
}

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);

export function readRequest(
  res: HttpResponse,
  req: HttpRequest,
  route: { method: string; path: string; paramNames: readonly string[] },
  bodyLimitBytes: number,
  /** The client's address from the peer and X-Forwarded-For (client-address.ts). Default: the peer. */
  clientAddress: (peer: string, forwardedFor: string | undefined) => string = (peer) => peer,
): ReadRequest {
  const headers = new Map<string, string>();
  req.forEach((k, v) => {
    headers.set(k, v);
  });
  const params: Record<string, string> = {};
  route.paramNames.forEach((name, i) => {
    params[name] = safeDecode(req.getParameter(i) ?? '');
  });
  const query = parseQuery(req.getQuery());
  const ip = clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), headers.get('x-forwarded-for'));
  const body = METHODS_WITH_BODY.has(route.method) ? readBody(res, bodyLimitBytes, headers.get('content-length')) : undefined;
  body?.catch(() => {}); // awaited by the route; this only stops an unhandled rejection when it fails earlier
  return {
    info: { method: route.method.toUpperCase(), route: route.path, ip, header: (n) => headers.get(n.toLowerCase()) },
    token: bearer(headers.get('authorization')),
    params,
    query,
    body,
  };
}

/** The names of a route pattern's parameters, in uWS's getParameter order. */
export function paramNamesOf(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
}

function bearer(h: string | undefined): string | undefined {
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseQuery(qs: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!qs) return out;
  for (const [k, v] of new URLSearchParams(qs)) out[k] = v;
  return out;
}
