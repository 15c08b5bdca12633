/**
 * The thin HTTP layer over uWebSockets.js: for each declared route it reads what it needs from
 * the stack-allocated request synchronously (uWS invalidates `req` after the first await),
 * guards against aborts, authenticates, checks the role, rate-limits, validates, runs the
 * handler and writes one corked response. Errors of every kind become the catalogue's JSON.
 */
import { createReadStream } from 'node:fs';
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { isConnectionError, mapPgError } from '../../db/errors.ts';
import { isRedisUnavailable } from '../../redis/client.ts';
import type { Principal } from '../../domain/auth/principal.ts';
import { TokenError } from '../../domain/auth/tokens.ts';
import { AppError, ERRORS } from '../../errors.ts';
import type { AppDeps } from '../deps.ts';
import { readBody } from './body.ts';
import { parseJsonBody } from './json.ts';
import { type AnyRoute, FileReply, Reply, type RequestInfo } from './route.ts';
import { compileValidator } from './validate.ts';

/** Counts requests in flight so shutdown can wait for them. */
export class Inflight {
  count = 0;
  private waiters: (() => void)[] = [];
  start(): void {
    this.count++;
  }
  end(): void {
    this.count--;
    if (this.count === 0) for (const w of this.waiters.splice(0)) w();
  }
  /** Resolves when no request is in flight, or after timeoutMs. */
  idle(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

interface ResState {
  aborted: boolean;
  done: boolean;
}

const METHODS_WITH_BODY = new Set(['post', 'put', 'patch']);

/**
 * A request still running this long (ms) is answered 503 `dependency_unavailable` if PostgreSQL or
 * Redis is down (deps.health), so no request waits on a dependency that is gone: issue 13 wants
 * an answer within 2 s. A request that is merely slow while both answer runs on. A write answered
 * this way may still commit later; its Idempotency-Key makes the client's retry safe.
 */
const DEPENDENCY_DEADLINE_MS = 1000;
/** How often a request past the deadline looks again at deps.health, ms. */
const DEPENDENCY_RECHECK_MS = 250;
const JSON_HEADERS = { 'Content-Type': 'application/json; charset=utf-8' };

export function mountRoutes(
  app: TemplatedApp,
  routes: AnyRoute[],
  deps: AppDeps,
  inflight: Inflight,
  beforeFallback?: (app: TemplatedApp) => void,
): void {
  for (const def of routes) mountRoute(app, def, deps, inflight);
  beforeFallback?.(app);
  app.any('/*', (res, req) => {
    const state = begin(res, inflight);
    const method = req.getCaseSensitiveMethod();
    fail(res, state, ERRORS.routeNotFound(), deps, method, 'unmatched', performance.now());
  });
}

function begin(res: HttpResponse, inflight: Inflight): ResState {
  const state: ResState = { aborted: false, done: false };
  inflight.start();
  res.onAborted(() => {
    state.aborted = true;
    if (!state.done) {
      state.done = true;
      inflight.end();
    }
  });
  (res as unknown as { inflight: Inflight }).inflight = inflight;
  return state;
}

function mountRoute(app: TemplatedApp, def: AnyRoute, deps: AppDeps, inflight: Inflight): void {
  const paramNames = [...def.path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1] as string);
  const validateParams = def.params ? compileValidator(def.params, true) : undefined;
  const validateQuery = def.query ? compileValidator(def.query, true) : undefined;
  const validateBody = def.body ? compileValidator(def.body, false) : undefined;
  const methodUpper = def.method.toUpperCase();
  const register = def.method === 'delete' ? app.del.bind(app) : app[def.method].bind(app);

  register(def.path, (res: HttpResponse, req: HttpRequest) => {
    const started = performance.now();
    const state = begin(res, inflight);
    // Everything from req must be read now: it is invalid after the first await.
    const headers = new Map<string, string>();
    req.forEach((k, v) => {
      headers.set(k, v);
    });
    const rawParams: Record<string, string> = {};
    paramNames.forEach((name, i) => {
      rawParams[name] = safeDecode(req.getParameter(i) ?? '');
    });
    const query = parseQuery(req.getQuery());
    const ip = deps.clientAddress(Buffer.from(res.getRemoteAddressAsText()).toString(), headers.get('x-forwarded-for'));
    const bodyPromise = METHODS_WITH_BODY.has(def.method)
      ? readBody(res, deps.config.bodyLimitBytes, headers.get('content-length'))
      : undefined;
    bodyPromise?.catch(() => {}); // handled below; prevents an unhandled rejection if we fail earlier

    const info: RequestInfo = { method: methodUpper, route: def.path, ip, header: (n) => headers.get(n.toLowerCase()) };
    const disarm = watchDependencies(res, state, deps, methodUpper, def.path, started);

    void (async () => {
      try {
        let principal: Principal | undefined;
        if (def.auth !== 'public') {
          principal = await deps.auth.authenticate(bearer(headers.get('authorization')));
          if (!def.auth.includes(principal.role)) throw ERRORS.forbidden();
          if (!def.noRateLimit) await deps.limits.consumeToken(`${principal.kind}:${principal.id}`);
        }
        const params = validateParams ? validateParams(rawParams, 'params') : rawParams;
        const q = validateQuery ? validateQuery(query, 'query') : query;
        let body: unknown;
        if (bodyPromise) {
          const buf = await bodyPromise;
          body = parseJsonBody(buf);
          if (validateBody) body = validateBody(body ?? {}, 'body');
        }
        const result = await def.handler({
          params,
          query: q,
          body,
          principal: principal as Principal,
          req: info,
          deps,
        });
        if (result instanceof FileReply) {
          sendFile(res, state, deps, info, started, result);
        } else if (result instanceof Reply) {
          if (result.contentType) {
            send(res, state, deps, info, started, result.status, { 'Content-Type': result.contentType, ...result.headers }, result.body as string | Buffer);
          } else {
            sendJson(res, state, deps, info, started, result.status, result.body, result.headers);
          }
        } else {
          sendJson(res, state, deps, info, started, def.status ?? 200, result);
        }
      } catch (err) {
        fail(res, state, err, deps, methodUpper, def.path, started);
      } finally {
        disarm();
      }
    })();
  });
}

/** Arms the dependency deadline of one request (DEPENDENCY_DEADLINE_MS); returns its disarm. */
function watchDependencies(res: HttpResponse, state: ResState, deps: AppDeps, method: string, route: string, started: number): () => void {
  let timer: NodeJS.Timeout;
  const check = () => {
    if (state.done) return;
    const down = deps.health.down();
    if (down.length) fail(res, state, ERRORS.dependencyUnavailable(down), deps, method, route, started);
    else timer = setTimeout(check, DEPENDENCY_RECHECK_MS);
  };
  timer = setTimeout(check, DEPENDENCY_DEADLINE_MS);
  return () => clearTimeout(timer);
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

/** Maps any thrown value to the catalogue and answers with it. */
function fail(res: HttpResponse, state: ResState, err: unknown, deps: AppDeps, method: string, route: string, started: number): void {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (err instanceof TokenError) {
    const msg = {
      token_missing: 'A bearer token is required',
      token_invalid: 'The token is not valid',
      token_expired: 'The token has expired',
      session_ended: 'This session has ended; sign in again',
    }[err.reason];
    e = new AppError(401, err.reason, msg);
  } else {
    const mapped = mapPgError(err);
    if (mapped) e = mapped;
    else if (isConnectionError(err) || isRedisUnavailable(err)) {
      const dependency = isRedisUnavailable(err) ? 'redis' : 'postgres';
      deps.log.error({ route, code: (err as { code?: string }).code, dependency }, 'backing service unavailable');
      e = ERRORS.dependencyUnavailable([dependency]);
    } else {
      deps.log.error({ route, err }, 'unhandled error');
      e = ERRORS.internal();
    }
  }
  // `details` is always there (null when the error has none): API.md's error shape has the key
  const body = { error: { code: e.code, message: e.message, details: e.details ?? null } };
  // 413: the client may still be sending; close the connection after answering instead of reading on.
  const close = e.status === 413;
  const info = { method, route, ip: '', header: () => undefined };
  send(res, state, deps, info, started, e.status, { ...JSON_HEADERS, ...(e.headers ?? {}) }, JSON.stringify(body), close);
}

/**
 * Streams a file (uWebSockets.js's back-pressure pattern): each chunk goes out with tryEnd; when
 * the socket's buffer is full the read stream pauses until onWritable has sent the rest of that
 * chunk. An abort stops the read; a read error closes the connection, since the status is gone.
 */
function sendFile(res: HttpResponse, state: ResState, deps: AppDeps, info: RequestInfo, started: number, file: FileReply): void {
  if (state.aborted || state.done) return;
  state.done = true;
  const finish = (status: number) => {
    (res as unknown as { inflight: Inflight }).inflight.end();
    const seconds = (performance.now() - started) / 1000;
    deps.metrics.observe(info.method, info.route, status, seconds);
    deps.log.debug({ method: info.method, route: info.route, status, ms: Math.round(seconds * 1000) }, 'request');
  };
  res.cork(() => {
    res.writeStatus('200 OK');
    for (const [k, v] of Object.entries({ 'Content-Type': file.contentType, ...file.headers })) res.writeHeader(k, v);
    if (file.size === 0) res.end();
  });
  if (file.size === 0) {
    finish(200);
    return;
  }
  const stream = createReadStream(file.path, { highWaterMark: 256 * 1024 });
  let ended = false;
  const end = (status: number) => {
    if (ended) return;
    ended = true;
    stream.destroy();
    finish(status);
  };
  // begin() set state.aborted; this stops reading as well
  res.onAborted(() => {
    state.aborted = true;
    end(499);
  });
  stream.on('data', (chunk) => {
    if (state.aborted) return end(499);
    const ab = chunk as Buffer;
    const offset = res.getWriteOffset();
    let ok = false;
    let done = false;
    res.cork(() => {
      [ok, done] = res.tryEnd(ab, file.size);
    });
    if (done) return end(200);
    if (ok) return;
    stream.pause();
    res.onWritable((at) => {
      let sent = false;
      res.cork(() => {
        [sent, done] = res.tryEnd(ab.subarray(at - offset), file.size);
      });
      if (done) end(200);
      else if (sent) stream.resume();
      return sent;
    });
  });
  stream.on('error', (err) => {
    deps.log.error({ route: info.route, err: err.message }, 'file read failed mid-response');
    if (!state.aborted) res.close();
    end(500);
  });
}

function sendJson(
  res: HttpResponse,
  state: ResState,
  deps: AppDeps,
  info: RequestInfo,
  started: number,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = status === 204 || body === undefined ? '' : JSON.stringify(body);
  send(res, state, deps, info, started, status, { ...JSON_HEADERS, ...headers }, text);
}

function send(
  res: HttpResponse,
  state: ResState,
  deps: AppDeps,
  info: Pick<RequestInfo, 'method' | 'route'>,
  started: number,
  status: number,
  headers: Record<string, string>,
  body: string | Buffer,
  closeConnection = false,
): void {
  if (state.aborted || state.done) return;
  state.done = true;
  res.cork(() => {
    res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
    for (const [k, v] of Object.entries(headers)) res.writeHeader(k, v);
    res.end(body, closeConnection);
  });
  (res as unknown as { inflight: Inflight }).inflight.end();
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.observe(info.method, info.route, status, seconds);
  deps.log.debug({ method: info.method, route: info.route, status, ms: Math.round(seconds * 1000) }, 'request');
}
