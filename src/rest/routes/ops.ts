/** Operations: liveness, readiness, metrics, the OpenAPI and AsyncAPI documents. */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { Type } from '@sinclair/typebox';
import { ERRORS } from '../../errors.ts';
import { buildAsyncApi } from '../../realtime/asyncapi.ts';
import { Reply, route, type AnyRoute } from '../http/route.ts';
import { buildOpenApi } from '../openapi.ts';

const tag = 'operations';
const Ready = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not_ready')]),
  checks: Type.Object({ postgres: Type.Union([Type.Literal('ok'), Type.Literal('down')]), redis: Type.Union([Type.Literal('ok'), Type.Literal('down')]) }),
});
const PACKAGE_VERSION: string = createRequire(import.meta.url)('../../../package.json').version;

/** `routes` is the full list, so /openapi.json describes everything mounted. */
export function opsRoutes(routes: () => AnyRoute[]): AnyRoute[] {
  let openapi: string | undefined;
  let asyncapi: string | undefined;
  return [
    route({
      method: 'get',
      path: '/healthz',
      summary: 'The process is alive',
      tag,
      auth: 'public',
      response: Type.Object({ status: Type.Literal('ok') }),
      handler: () => ({ status: 'ok' }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Postgres and Redis answer (503 naming the one that does not)',
      tag,
      auth: 'public',
      response: Ready,
      errors: [503],
      handler: async ({ deps }) => {
        const down = await deps.health.check();
        const checks = { postgres: down.includes('postgres') ? 'down' : 'ok', redis: down.includes('redis') ? 'down' : 'ok' };
        const ok = down.length === 0;
        return new Reply(ok ? 200 : 503, { status: ok ? 'ready' : 'not_ready', checks });
      },
    }),
    route({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (asks for `Authorization: Bearer <METRICS_TOKEN>` when METRICS_TOKEN is set)',
      tag,
      auth: 'public',
      errors: [401],
      response: Type.String(),
      responseType: 'text/plain; version=0.0.4',
      responseDescription: 'Prometheus text exposition format',
      handler: async ({ deps, req }) => {
        // the figures name routes, rates and failures: not for everyone when the service is public
        if (deps.config.metricsToken && !sameSecret(req.header('authorization') ?? '', `Bearer ${deps.config.metricsToken}`)) {
          throw ERRORS.unauthenticated('GET /metrics needs the METRICS_TOKEN bearer token');
        }
        return new Reply(200, await deps.metrics.registry.metrics(), {}, deps.metrics.registry.contentType);
      },
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API, described from the schemas that validate it',
      tag,
      auth: 'public',
      response: Type.Object({ openapi: Type.String() }, { additionalProperties: true, description: 'an OpenAPI 3.1 document' }),
      responseType: 'application/json',
      handler: () => {
        openapi ??= JSON.stringify(buildOpenApi(routes()));
        return new Reply(200, openapi, {}, 'application/json; charset=utf-8');
      },
    }),
    route({
      method: 'get',
      path: '/asyncapi.json',
      summary: 'The realtime (Socket.IO) side, described from the schemas of its events',
      tag,
      auth: 'public',
      response: Type.Object({ asyncapi: Type.String() }, { additionalProperties: true, description: 'an AsyncAPI 3.0 document' }),
      responseType: 'application/json',
      handler: () => {
        asyncapi ??= JSON.stringify(buildAsyncApi(PACKAGE_VERSION));
        return new Reply(200, asyncapi, {}, 'application/json; charset=utf-8');
      },
    }),
  ];
}

/** Compares two strings in constant time (their hashes, so lengths leak nothing either). */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(h(a), h(b));
}
