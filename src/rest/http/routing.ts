/**
 * Mounting declared routes on uWebSockets.js. Each request goes: read (request.ts) → authenticate
 * and check the role → rate-limit → validate params, query and body → handler → one answer
 * (response.ts, or streaming.ts for files). Whatever is thrown on the way becomes the catalogue's
 * JSON error through the one mapping in src/error-reply.ts.
 */
import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import type { AppDeps } from '../../deps.ts';
import type { Principal } from '../../domain/auth/index.ts';
import { ERRORS } from '../../errors.ts';
import type { Inflight } from './inflight.ts';
import { parseJsonBody } from './json.ts';
import { paramNamesOf, readRequest } from './request.ts';
import { Exchange, JSON_HEADERS } from './response.ts';
import { type AnyRoute, FileReply, Reply } from './route.ts';
import { createReadCache, type ReadCache } from './read-cache.ts';
import { compileSerializer } from './serialize.ts';
import { sendFile } from './streaming.ts';
import { compileValidator } from './validate.ts';

/**
 * A request still running this long (ms) is answered 503 `dependency_unavailable` if PostgreSQL or
 * Redis is down (deps.health), so no request waits on a dependency that is gone: issue 13 wants
 * an answer within 2 s. A request that is merely slow while both answer runs on. A write answered
 * this way may still commit later; its Idempotency-Key makes the client's retry safe.
 */
const DEPENDENCY_DEADLINE_MS = 1000;
/** How often a request past the deadline looks again at deps.health, ms. */
const DEPENDENCY_RECHECK_MS = 250;

export function mountRoutes(
  app: TemplatedApp,
  routes: AnyRoute[],
  deps: AppDeps,
  inflight: Inflight,
  beforeFallback?: (app: TemplatedApp) => void,
): void {
  const cache = createReadCache(deps, deps.config.readCacheBytes);
  for (const def of routes) mountRoute(app, def, deps, inflight, cache);
  beforeFallback?.(app);
  app.any('/*', (res, req) => {
    new Exchange(res, req.getCaseSensitiveMethod(), 'unmatched', deps, inflight).fail(ERRORS.routeNotFound());
  });
}

function mountRoute(app: TemplatedApp, def: AnyRoute, deps: AppDeps, inflight: Inflight, readCache: ReadCache | undefined): void {
  const shape = { method: def.method, path: def.path, paramNames: paramNamesOf(def.path) };
  const validateParams = def.params ? compileValidator(def.params, true) : undefined;
  const validateQuery = def.query ? compileValidator(def.query, true) : undefined;
  const validateBody = def.body ? compileValidator(def.body, false) : undefined;
  const serialize = def.response && !def.responseType ? compileSerializer(def.response) : undefined;
  const okStatus = def.status ?? 200;
  const cache = def.cache && def.auth !== 'public' && serialize ? readCache : undefined;
  const register = def.method === 'delete' ? app.del.bind(app) : app[def.method].bind(app);

  register(def.path, (res: HttpResponse, req: HttpRequest) => {
    const ex = new Exchange(res, def.method.toUpperCase(), def.path, deps, inflight);
    const request = readRequest(res, req, shape, deps.config.bodyLimitBytes, deps.clientAddress);
    const disarm = watchDependencies(ex, deps);
    void (async () => {
      try {
        let principal: Principal | undefined;
        let admission: Promise<void> = Promise.resolve();
        if (def.auth !== 'public') {
          principal = await deps.auth.authenticate(request.token);
          if (!def.auth.includes(principal.role)) throw ERRORS.forbidden();
          if (!def.noRateLimit) {
            admission = deps.limits.consumeToken(`${principal.kind}:${principal.id}`);
            // the handler (or the cache's stamp read, below) runs beside it and awaits it before
            // anything is written or answered; an answer given before then must not leave it unhandled
            if (def.overlapRateLimit || cache) admission.catch(() => {});
            else await admission;
          }
        }
        const admitted = () => admission;
        const params = validateParams ? validateParams(request.params, 'params') : request.params;
        const query = validateQuery ? validateQuery(request.query, 'query') : request.query;
        if (cache && principal) {
          const stamp = await cache.stamp(principal.shopId, def.cache!);
          await admission;
          const key = stamp === undefined ? undefined : cache.key(def.path, principal, params, query, stamp);
          const hit = key === undefined ? undefined : cache.get(key);
          deps.metrics.readCache(def.path, key === undefined ? 'bypass' : hit ? 'hit' : 'miss');
          if (hit) return ex.send(okStatus, JSON_HEADERS, hit);
          const read = async () => Buffer.from(serialize!(await def.handler({ params, query, body: undefined, principal, req: request.info, deps, admitted })));
          return ex.send(okStatus, JSON_HEADERS, key === undefined ? await read() : await cache.fill(key, read));
        }
        let body: unknown;
        if (request.body) {
          body = parseJsonBody(await request.body);
          if (validateBody) body = validateBody(body ?? {}, 'body');
        }
        const result = await def.handler({ params, query, body, principal, req: request.info, deps, admitted });
        if (result instanceof FileReply) sendFile(ex, result, deps.log);
        else if (result instanceof Reply) {
          if (result.contentType) ex.send(result.status, { 'Content-Type': result.contentType, ...result.headers }, result.body as string | Buffer);
          // a Reply in the route's success status has the route's shape (e.g. an idempotent replay)
          else ex.json(result.status, result.body, result.headers, result.status === okStatus ? serialize : undefined);
        } else ex.json(okStatus, result, {}, serialize);
      } catch (err) {
        ex.fail(err);
      } finally {
        disarm();
      }
    })();
  });
}

/** Arms the dependency deadline of one request (DEPENDENCY_DEADLINE_MS); returns its disarm. */
function watchDependencies(ex: Exchange, deps: AppDeps): () => void {
  let timer: NodeJS.Timeout;
  const check = () => {
    if (ex.answered) return;
    const down = deps.health.down();
    if (down.length) ex.fail(ERRORS.dependencyUnavailable(down));
    else timer = setTimeout(check, DEPENDENCY_RECHECK_MS);
  };
  timer = setTimeout(check, DEPENDENCY_DEADLINE_MS);
  return () => clearTimeout(timer);
}
