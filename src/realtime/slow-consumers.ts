/**
 * Slow consumers: a socket that stops reading must not make the server buffer without bound, and
 * must not silently miss messages either. Socket.IO on uWebSockets.js sends room broadcasts with
 * uWS's `app.publish` and direct emits with `ws.send`; both ignore uWS's answer, and past the
 * route's `maxBackpressure` (64 KiB by default) uWS DROPS the message without a word. So we raise
 * `maxBackpressure` to twice our own cap and look at `getBufferedAmount()` of every socket a
 * message went to (once after each turn of the event loop with local broadcasts, and after each
 * direct flush), and of every socket a few times a second (broadcasts that arrive from other
 * nodes through the Redis adapter bypass the first hook). A socket past the cap is disconnected, logged and counted. It cannot be sent
 * `session:ended` first: it is not reading. Its client reconnects and re-syncs as after any drop.
 */
import type { ServerOptions } from 'socket.io';
import type { Logger } from '../log.ts';
import type { Io } from './io.ts';

/** Between two sweeps of every local socket, ms. */
const SWEEP_MS = 250;

/** `capBytes`: config.socketBufferCapBytes. uWS drops only past twice that, so our check comes first. */
export function backpressureOptions(capBytes: number): Partial<ServerOptions> {
  // attachApp hands its options to engine.io's `app.ws(...)`, whose typings do not list it
  return { maxBackpressure: 2 * capBytes } as Partial<ServerOptions>;
}

interface UwsSocket {
  getBufferedAmount(): number;
  close(): void;
}
type IoSocket = Parameters<Parameters<Io['on']>[1]>[0];
type Broadcast = (packet: unknown, opts: { rooms: Set<string> }) => void;

export interface SlowConsumerGuard {
  close(): void;
}

export function guardSlowConsumers(io: Io, log: Logger, onDisconnect: () => void, capBytes: number): SlowConsumerGuard {
  const nsp = io.of('/');
  const dropped = new WeakSet<IoSocket>();
  const check = (socket: IoSocket | undefined) => {
    if (!socket || socket.disconnected || dropped.has(socket)) return;
    const transport = (socket.conn as unknown as { transport?: { name?: string; socket?: UwsSocket } }).transport;
    const ws = transport?.name === 'websocket' ? transport.socket : undefined;
    const buffered = ws?.getBufferedAmount?.() ?? 0;
    if (!ws || buffered <= capBytes) return;
    dropped.add(socket);
    log.warn({ shopId: socket.data?.shopId, kind: socket.data?.kind, buffered }, 'socket disconnected: it stopped reading (slow consumer)');
    onDisconnect();
    // uWS's close() ends the connection at once; a polite disconnect (a close frame, engine.io's
    // wait for its buffer to drain) would queue behind the very bytes this reader does not take.
    // The close handler then tells engine.io and Socket.IO, as for any dropped connection.
    try {
      ws.close();
    } catch {
      // closed meanwhile
    }
  };

  io.on('connection', (socket) => {
    socket.conn.on('drain', () => check(socket));
  });

  const adapter = nsp.adapter as unknown as { broadcast: Broadcast; rooms: Map<string, Set<string>> };
  const broadcast = adapter.broadcast.bind(adapter);
  // The rooms broadcast to in this turn of the event loop, checked once after it (issue 20): a
  // bill's messages (bill:created, loyalty:update, dashboard:update) reach the same managers in
  // one turn, and each of them is looked at once, not once per message. Within one turn a
  // socket takes a few kilobytes more at most, far below the margin between our cap and uWS's.
  const pending = new Set<string>();
  const flush = () => {
    const seen = new Set<string>();
    for (const room of pending) {
      for (const id of adapter.rooms.get(room) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        check(nsp.sockets.get(id));
      }
    }
    pending.clear();
  };
  adapter.broadcast = (packet, opts) => {
    broadcast(packet, opts);
    if (pending.size === 0) setImmediate(flush);
    for (const room of opts.rooms) pending.add(room);
  };

  const sweep = setInterval(() => {
    for (const socket of nsp.sockets.values()) check(socket);
  }, SWEEP_MS);
  sweep.unref();
  return {
    close() {
      clearInterval(sweep);
    },
  };
}
