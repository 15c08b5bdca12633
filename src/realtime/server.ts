/**
 * startRealtime: Socket.IO on the same uWebSockets.js app (and port) as REST.
 * - Handshake: the JWT in `auth.token` (users and terminals), checked like a REST request;
 *   refused with connect_error `data.code` (token_missing, token_invalid, token_expired,
 *   rate_limited). Handshakes are rate limited per IP (reconnect storms).
 * - Rooms: joined by the server from the principal's role (contracts.ts roomsFor); clients have
 *   no way to join or leave one.
 * - dashboard:sync (managers and owners): the full dashboard from Redis, single-flight per shop
 *   and rate limited per socket, so a storm of reconnects costs one Redis read per shop.
 * - settings:ack (terminals): records the settings version the terminal applied.
 * - Presence: a heartbeat per connected terminal (domain/terminals/presence.ts).
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { TemplatedApp } from 'uWebSockets.js';
import { TokenError } from '../domain/auth/tokens.ts';
import type { Dashboard } from '../domain/dashboard/build.ts';
import { getDashboard } from '../domain/dashboard/read.ts';
import { HEARTBEAT_MS, heartbeat, markOffline } from '../domain/terminals/presence.ts';
import type { AppDeps } from '../rest/deps.ts';
import type { ErrorReply, SocketData } from './contracts.ts';
import { roomsFor } from './contracts.ts';
import type { Io } from './io.ts';
import { backpressureOptions, guardSlowConsumers } from './slow-consumers.ts';

export interface RealtimeOptions {
  /** Handshakes per IP per 10 s before connect_error rate_limited. Default 60. */
  handshakesPerIp?: number;
  /** Smallest interval between two dashboard:sync of one socket, ms. Default 200. */
  syncIntervalMs?: number;
}

export interface Realtime {
  close(): void;
}

function refuse(code: string, message: string): Error {
  return Object.assign(new Error(message), { data: { code } });
}

const forbidden: ErrorReply = { error: { code: 'forbidden', message: 'Your role may not do this' } };

export function startRealtime(io: Io, app: TemplatedApp, deps: AppDeps, opts: RealtimeOptions = {}): Realtime {
  io.attachApp(app, backpressureOptions(deps.config.socketBufferCapBytes));
  const slowConsumers = guardSlowConsumers(io, deps.log, () => deps.metrics.slowConsumer(), deps.config.socketBufferCapBytes);
  const handshakes = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: deps.keys.rateLimit('sio-handshake'),
    points: opts.handshakesPerIp ?? 60,
    duration: 10,
    rejectIfRedisNotReady: true,
  });

  io.use(async (socket, next) => {
    try {
      const ip = socket.handshake.address || 'unknown';
      try {
        await handshakes.consume(ip);
      } catch (err) {
        if (err instanceof RateLimiterRes) return next(refuse('rate_limited', 'Too many connection attempts; retry later'));
        deps.metrics.failedOpen('socket-handshake');
      }
      const auth = socket.handshake.auth as { token?: unknown; series?: unknown } | undefined;
      const p = await deps.auth.authenticate(typeof auth?.token === 'string' ? auth.token : undefined);
      socket.data = { kind: p.kind, id: p.id, shopId: p.shopId, role: p.role, series: auth?.series === 'moved' ? 'moved' : 'whole' };
      next();
    } catch (err) {
      if (err instanceof TokenError) return next(refuse(err.reason, 'Authentication failed'));
      deps.log.error({ err: (err as Error).message }, 'socket handshake failed');
      next(refuse('unavailable', 'Try again later'));
    }
  });

  // Single flight per shop: concurrent syncs of one shop share one Redis read.
  const inflight = new Map<number, Promise<Dashboard>>();
  const dashboardOnce = (shopId: number) => {
    let p = inflight.get(shopId);
    if (!p) {
      p = getDashboard(deps, shopId).finally(() => inflight.delete(shopId));
      inflight.set(shopId, p);
    }
    return p;
  };

  const terminalsHere = new Map<number, Map<number, number>>(); // shop → terminal → sockets on this node
  const beat = setInterval(() => {
    for (const [shopId, terms] of terminalsHere) {
      void heartbeat(deps.redis, deps.keys, shopId, [...terms.keys()]).catch(() => {});
    }
  }, HEARTBEAT_MS);
  beat.unref();

  io.on('connection', (socket) => {
    const d: SocketData = socket.data;
    socket.join(roomsFor(d));
    const isManager = d.role === 'owner' || d.role === 'manager';

    if (d.kind === 'terminal') {
      const terms = terminalsHere.get(d.shopId) ?? new Map<number, number>();
      terms.set(d.id, (terms.get(d.id) ?? 0) + 1);
      terminalsHere.set(d.shopId, terms);
      void heartbeat(deps.redis, deps.keys, d.shopId, [d.id]).catch(() => {});
      void deps.sql`update terminals set last_seen = now() where shop_id = ${d.shopId} and id = ${d.id}`.catch(() => {});
      socket.on('disconnect', () => {
        const left = (terms.get(d.id) ?? 1) - 1;
        if (left > 0) terms.set(d.id, left);
        else {
          terms.delete(d.id);
          void markOffline(deps.redis, deps.keys, d.shopId, d.id).catch(() => {});
          void deps.sql`update terminals set last_seen = now() where shop_id = ${d.shopId} and id = ${d.id}`.catch(() => {});
        }
      });
    }

    let lastSync = 0;
    socket.on('dashboard:sync', async (ack) => {
      if (typeof ack !== 'function') return;
      if (!isManager) return ack(forbidden);
      const now = Date.now();
      if (now - lastSync < (opts.syncIntervalMs ?? 200)) {
        return ack({ error: { code: 'rate_limited', message: 'dashboard:sync is limited per connection' } });
      }
      lastSync = now;
      try {
        const dashboard = await dashboardOnce(d.shopId);
        ack({ seq: dashboard.seq, dashboard });
      } catch (err) {
        deps.log.error({ err: (err as Error).message }, 'dashboard:sync failed');
        ack({ error: { code: 'unavailable', message: 'Try again' } });
      }
    });

    socket.on('settings:ack', async (m, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      if (d.kind !== 'terminal') return reply(forbidden);
      const version = Number((m as { version?: unknown })?.version);
      if (!Number.isSafeInteger(version) || version < 1) {
        return reply({ error: { code: 'validation_failed', message: 'version must be a positive integer' } });
      }
      try {
        await deps.sql`
          update terminals t set settings_version_acked = greatest(coalesce(t.settings_version_acked, 0), ${version}), last_seen = now()
          from shop_settings s
          where t.shop_id = ${d.shopId} and t.id = ${d.id} and s.shop_id = t.shop_id and ${version} <= s.version`;
        reply({ ok: true });
      } catch (err) {
        deps.log.error({ err: (err as Error).message }, 'settings:ack failed');
        reply({ error: { code: 'unavailable', message: 'Try again' } });
      }
    });
  });

  return {
    close() {
      clearInterval(beat);
      slowConsumers.close();
    },
  };
}
