/** Operations: liveness, readiness, metrics, the OpenAPI and AsyncAPI documents. */
import { createRequire } from 'node:module';
import { buildAsyncApi } from '../../realtime/asyncapi.ts';
import { Reply, route, type AnyRoute } from '../http/route.ts';
import { buildOpenApi } from '../openapi.ts';

const tag = 'operations';
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
      handler: () => ({ status: 'ok' }),
    }),
    route({
      method: 'get',
      path: '/readyz',
      summary: 'Postgres and Redis answer (503 naming the one that does not)',
      tag,
      auth: 'public',
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
      summary: 'Prometheus metrics',
      tag,
      auth: 'public',
      handler: async ({ deps }) =>
        new Reply(200, await deps.metrics.registry.metrics(), {}, deps.metrics.registry.contentType),
    }),
    route({
      method: 'get',
      path: '/openapi.json',
      summary: 'This API, described from the schemas that validate it',
      tag,
      auth: 'public',
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
      handler: () => {
        asyncapi ??= JSON.stringify(buildAsyncApi(PACKAGE_VERSION));
        return new Reply(200, asyncapi, {}, 'application/json; charset=utf-8');
      },
    }),
  ];
}
