/**
 * startRealtime: Socket.IO on the same uWebSockets.js app (and port) as REST.
 * - Handshake: the JWT in `auth.token` (users and terminals), checked like a REST request;
 *   refused with connect_error `data.code` (token_missing, token_invalid, token_expired,
 *   rate_limited). Handshakes are rate limited per client address (reconnect storms), the
 *   address read as REST reads it (X-Forwarded-For only from TRUST_PROXY, client-address.ts).
 * - Rooms: joined by the server from the principal's role (contracts.ts roomsFor); clients have
 *   no way to join or leave one.
 * - dashboard:sync (managers and owners): the full dashboard from Redis, single-flight per shop
 *   and rate limited per socket, so a storm of reconnects costs one Redis read per shop.
 * - settings:ack (terminals): records the settings version the terminal applied, at most one
 *   write a second per terminal (the last version wins): acks cost no more than that however
 *   often they come.
 * - Budgets: every client event, unknown ones included, draws from the socket's token bucket
 *   (budget.ts); over budget it gets an error ack, and a socket that keeps flooding is told
 *   `session:ended {reason: "flooding"}` and disconnected. At most 20 sockets per user and 2 per
 *   terminal (socket-cap.ts): past that the oldest is disconnected with "too_many_sockets".
 * - Presence: a heartbeat per connected terminal (domain/terminals/presence.ts).
 */
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { TemplatedApp } from 'uWebSockets.js';
import { getDashboard, type Dashboard } from '../domain/dashboard/index.ts';
import { HEARTBEAT_MS, heartbeat, markOffline, markSeen, recordSettingsAck } from '../domain/terminals/index.ts';
import type { AppDeps } from '../deps.ts';
import { ackError, handshakeError } from '../error-reply.ts';
import { ERRORS, errorBody } from '../errors.ts';
import { type BudgetOptions, EventBudget } from './budget.ts';
import type { ErrorReply, SessionEndReason, SocketData } from './contracts.ts';
import { roomsFor } from './contracts.ts';
import type { Io } from './io.ts';
import { enableFastPublish } from './adapter.ts';
import { backpressureOptions, guardSlowConsumers } from './slow-consumers.ts';
import { createSocketCap } from './socket-cap.ts';

export interface RealtimeOptions {
  /** Handshakes per IP per 10 s before connect_error rate_limited. Default 60. */
  handshakesPerIp?: number;
  /** Smallest interval between two dashboard:sync of one socket, ms; a sync sooner than that waits for it. Default 200. */
  syncIntervalMs?: number;
  /** The per-socket event budget. Default 10 a second, bursts of 20. */
  budget?: BudgetOptions;
  /** Sockets one user may hold at once, across nodes. Default 20. */
  socketsPerUser?: number;
  /** Sockets one terminal may hold at once, across nodes. Default 2. */
  socketsPerTerminal?: number;
  /** Shortest interval between two writes of one terminal's settings:ack, ms. Default 1000. */
  ackWriteIntervalMs?: number;
}

export interface Realtime {
  close(): void;
}

/** At most one warning per this long when handshakes pass unlimited because Redis did not answer. */
const FAIL_OPEN_LOG_MS = 10_000;
const forbidden: ErrorReply = errorBody(ERRORS.forbidden());
const overBudget: ErrorReply = errorBody(ERRORS.rateLimited(1, 'Too many events on this connection; slow down'));

export function startRealtime(io: Io, app: TemplatedApp, deps: AppDeps, opts: RealtimeOptions = {}): Realtime {
  io.attachApp(app, backpressureOptions(deps.config.socketBufferCapBytes));
  enableFastPublish(io, app);
  const slowConsumers = guardSlowConsumers(io, deps.log, () => deps.metrics.slowConsumer(), deps.config.socketBufferCapBytes);
  const handshakes = new RateLimiterRedis({
    storeClient: deps.redis,
    keyPrefix: deps.keys.rateLimit('sio-handshake'),
    points: opts.handshakesPerIp ?? 60,
    duration: 10,
    rejectIfRedisNotReady: true,
  });

  let failOpenLoggedAt = 0;
  io.use(async (socket, next) => {
    try {
      const forwarded = socket.handshake.headers['x-forwarded-for'];
      const ip = deps.clientAddress(socket.handshake.address || 'unknown', typeof forwarded === 'string' ? forwarded : undefined);
      try {
        await handshakes.consume(ip);
      } catch (err) {
        if (err instanceof RateLimiterRes) return next(handshakeError(ERRORS.rateLimited(err.msBeforeNext / 1000, 'Too many connection attempts; retry later'), deps.log));
        deps.metrics.failedOpen('socket-handshake');
        // the counter says how often; the log says why, once per window, so an outage cannot flood it
        const now = Date.now();
        if (now - failOpenLoggedAt >= FAIL_OPEN_LOG_MS) {
          failOpenLoggedAt = now;
          deps.log.warn({ err: (err as Error)?.message ?? String(err), redis: deps.redis.status }, 'handshake let through unlimited: the rate limit did not answer');
        }
      }
      const auth = socket.handshake.auth as { token?: unknown; series?: unknown } | undefined;
      const epoch = deps.auth.epoch();
      const v = await deps.auth.authenticateToken(typeof auth?.token === 'string' ? auth.token : undefined);
      const p = v.principal;
      socket.data = {
        kind: p.kind,
        id: p.id,
        shopId: p.shopId,
        role: p.role,
        series: auth?.series === 'moved' ? 'moved' : 'whole',
        sessionId: v.sessionId,
        expMs: v.expMs,
        authEpoch: epoch,
      };
      next();
    } catch (err) {
      next(handshakeError(err, deps.log));
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

  const cap = createSocketCap(deps.redis);
  const acks = createAckWriter(deps, opts.ackWriteIntervalMs ?? 1000);
  const syncIntervalMs = opts.syncIntervalMs ?? 200;

  /** Tells a socket why its session ends, then closes it (here or on another node, through the adapter). */
  const endSession = (socketId: string, reason: SessionEndReason) => {
    io.to(socketId).emit('session:ended', { reason });
    io.in(socketId).disconnectSockets(true);
  };

  io.on('connection', (socket) => {
    const d: SocketData = socket.data;
    socket.join(roomsFor(d));
    // A token's expiry ends its socket too (API.md): a socket lives no longer than the token it
    // showed. The page refreshes its token before then and reconnects with the new one.
    if (d.expMs !== undefined) {
      const expire = setTimeout(() => endSession(socket.id, 'expired'), Math.min(Math.max(0, d.expMs - Date.now()), 2 ** 31 - 1));
      socket.on('disconnect', () => clearTimeout(expire));
    }
    // A session that ended between the handshake's check and the join above sent its
    // session:ended to rooms this socket was not yet in. Any session end in that window moves the
    // authenticator's epoch (its Pub/Sub message arrives on every node): then look once more,
    // past the cache. Otherwise a reconnect storm would cost one more read per socket.
    if (deps.auth.epoch() !== d.authEpoch) {
      void deps.auth
        .endedReason({ kind: d.kind, id: d.id, shopId: d.shopId, role: d.role }, d.sessionId)
        .then((reason) => {
          if (reason && socket.connected) endSession(socket.id, reason);
        })
        .catch(() => {});
    }
    const isManager = d.role === 'owner' || d.role === 'manager';

    // The budget comes first: whatever the event, a refused one costs one comparison.
    const budget = new EventBudget(opts.budget);
    let cut = false;
    socket.use((packet, next) => {
      // once cut off, the rest of what the client already sent is dropped unanswered: answering
      // each would turn its flood into ours
      if (cut) return;
      const verdict = budget.take();
      if (verdict === 'ok') return next();
      if (verdict === 'flooding') {
        cut = true;
        deps.log.warn({ shopId: d.shopId, kind: d.kind }, 'socket disconnected for flooding');
        socket.emit('session:ended', { reason: 'flooding' });
        socket.disconnect(true);
        return;
      }
      const ack = packet[packet.length - 1];
      if (typeof ack === 'function') ack(overBudget);
    });

    const capKey = deps.keys.sockets(d.shopId, `${d.kind}:${d.id}`);
    const limit = d.kind === 'terminal' ? (opts.socketsPerTerminal ?? 2) : (opts.socketsPerUser ?? 20);
    void cap
      .admit(capKey, socket.id, limit)
      .then((evict) => {
        for (const id of evict) endSession(id, 'too_many_sockets');
      })
      .catch((err) => deps.log.warn({ err: (err as Error).message }, 'socket cap not checked (Redis)'));
    socket.on('disconnect', () => {
      void cap.release(capKey, socket.id).catch(() => {});
    });

    if (d.kind === 'terminal') {
      const terms = terminalsHere.get(d.shopId) ?? new Map<number, number>();
      terms.set(d.id, (terms.get(d.id) ?? 0) + 1);
      terminalsHere.set(d.shopId, terms);
      void heartbeat(deps.redis, deps.keys, d.shopId, [d.id]).catch(() => {});
      void markSeen(deps.sql, d.shopId, d.id).catch(() => {});
      socket.on('disconnect', () => {
        const left = (terms.get(d.id) ?? 1) - 1;
        if (left > 0) terms.set(d.id, left);
        else {
          terms.delete(d.id);
          if (terms.size === 0) terminalsHere.delete(d.shopId);
          void markOffline(deps.redis, deps.keys, d.shopId, d.id).catch(() => {});
          void markSeen(deps.sql, d.shopId, d.id).catch(() => {});
        }
      });
    }

    let nextSync = 0;
    socket.on('dashboard:sync', async (ack) => {
      if (typeof ack !== 'function') return;
      if (!isManager) return ack(forbidden);
      // Too soon after the last one: answered when the interval is over, never without a
      // dashboard, since a client that asks is one that knows it is stale.
      const now = Date.now();
      const at = Math.max(now, nextSync);
      nextSync = at + syncIntervalMs;
      if (at > now) await new Promise((r) => setTimeout(r, at - now));
      if (!socket.connected) return;
      try {
        const dashboard = await dashboardOnce(d.shopId);
        ack({ seq: dashboard.seq, dashboard });
      } catch (err) {
        ack(ackError(err, deps.log, 'dashboard:sync'));
      }
    });

    socket.on('settings:ack', async (m, ack) => {
      const reply = typeof ack === 'function' ? ack : () => {};
      if (d.kind !== 'terminal') return reply(forbidden);
      const version = Number((m as { version?: unknown })?.version);
      if (!Number.isSafeInteger(version) || version < 1) {
        return reply(errorBody(ERRORS.validation([{ field: 'version', message: 'must be a positive integer' }])));
      }
      try {
        await acks.record(d.shopId, d.id, version);
        reply({ ok: true });
      } catch (err) {
        reply(ackError(err, deps.log, 'settings:ack'));
      }
    });
  });

  // /metrics: this process's sockets by role, every role listed (a role with none reads 0)
  const unwatch = deps.metrics.watch({
    sockets: () => {
      const byRole: Record<SocketData['role'], number> = { owner: 0, manager: 0, cashier: 0, terminal: 0 };
      for (const socket of io.of('/').sockets.values()) {
        const role = (socket.data as Partial<SocketData>).role;
        if (role) byRole[role]++;
      }
      return byRole;
    },
  });

  return {
    close() {
      unwatch();
      clearInterval(beat);
      slowConsumers.close();
      acks.close();
    },
  };
}

/**
 * One terminal's settings:ack writes at most once per `intervalMs`: the first ack after a quiet
 * interval is written at once; acks within the interval wait for one write at its end, of the last
 * version received. Each ack resolves once a write that covers it is done.
 */
function createAckWriter(deps: Pick<AppDeps, 'sql'>, intervalMs: number) {
  interface Slot {
    version?: number;
    waiters: { resolve(): void; reject(err: unknown): void }[];
    /** set while the interval that follows a write runs: acks then wait for its end */
    timer?: NodeJS.Timeout;
  }
  const slots = new Map<string, Slot>();

  async function write(shopId: number, terminalId: number, key: string, slot: Slot): Promise<void> {
    const { version } = slot;
    if (version === undefined) return;
    const waiters = slot.waiters.splice(0);
    slot.version = undefined;
    // the interval starts with the write, so acks during the write wait for the next one
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (slot.version === undefined) slots.delete(key); // a terminal that went quiet is forgotten
      else void write(shopId, terminalId, key, slot);
    }, intervalMs);
    slot.timer.unref();
    try {
      await recordSettingsAck(deps.sql, shopId, terminalId, version);
      for (const w of waiters) w.resolve();
    } catch (err) {
      for (const w of waiters) w.reject(err);
    }
  }

  return {
    record(shopId: number, terminalId: number, version: number): Promise<void> {
      const key = `${shopId}:${terminalId}`;
      let slot = slots.get(key);
      if (!slot) {
        slot = { waiters: [] };
        slots.set(key, slot);
      }
      const s = slot;
      s.version = version;
      const done = new Promise<void>((resolve, reject) => s.waiters.push({ resolve, reject }));
      if (!s.timer) void write(shopId, terminalId, key, s);
      return done;
    },
    close() {
      for (const s of slots.values()) if (s.timer) clearTimeout(s.timer);
      slots.clear();
    },
  };
}
