/**
 * buildApi(deps): the uWebSockets.js app with every REST route mounted (Fastify's build/listen
 * split: main.ts and tests call the same factory; tests listen on port 0). Socket.IO attaches to
 * the same `app` later, so REST and realtime share one port.
 */
import type { TemplatedApp, us_listen_socket, us_socket } from 'uWebSockets.js';
import type { AppDeps } from '../deps.ts';
import { guardFraming } from './http/framing.ts';
import { Inflight } from './http/inflight.ts';
import { mountRoutes } from './http/routing.ts';
import uWS, { assertNativeUws, uwsBuild } from './http/uws.ts';
import { pageAssets } from './pages.ts';
import { allRoutes } from './routes/index.ts';

export interface Api {
  app: TemplatedApp;
  /** Resolves with the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting, waits for in-flight requests (up to graceMs, default 8 s), then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

export interface ApiOptions {
  /** Mount the REST routes (the `api` role). Default true; false leaves the operations routes only (a realtime-only node). */
  rest?: boolean;
  /** Called with the app before the catch-all 404 route is mounted (Socket.IO attaches here). */
  beforeFallback?: (app: TemplatedApp) => void;
}

let fallbackSaid = false;

export function buildApi(deps: AppDeps, options: ApiOptions = {}): Api {
  assertNativeUws();
  if (uwsBuild?.fallback && !fallbackSaid) {
    fallbackSaid = true;
    process.stderr.write(`tajir: ${uwsBuild.fallback}\n`);
  }
  // Before any route is mounted: every handler, Socket.IO's included, gets the framing guard.
  const app = guardFraming(uWS.App(), (fault) => deps.log.warn({ fault }, 'refused a request with ambiguous framing'));
  const inflight = new Inflight();
  const routes = allRoutes();
  const mounted = options.rest === false ? routes.filter((r) => !r.path.startsWith('/api/')) : routes;
  mountRoutes(app, mounted, deps, inflight, options.beforeFallback);
  let listenSocket: us_listen_socket | undefined;

  return {
    app,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        app.listen(host, port, (socket) => {
          if (!socket) {
            reject(new Error(`port ${port} on ${host} is in use or not allowed; set PORT to a free port`));
            return;
          }
          listenSocket = socket;
          // the pages' bundle is built now, in esbuild's own process, so the first page or service
          // worker request does not wait for it (a failure is retried by that request)
          void pageAssets().catch(() => undefined);
          resolve(uWS.us_socket_local_port(socket as unknown as us_socket));
        });
      });
    },
    async close(graceMs = 8000) {
      if (listenSocket) {
        uWS.us_listen_socket_close(listenSocket);
        listenSocket = undefined;
      }
      await inflight.idle(graceMs);
      // close() exists on the native build (it closes every connection) but is missing from its typings
      (app as TemplatedApp & { close(): void }).close();
    },
  };
}
