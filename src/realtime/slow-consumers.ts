/**
 * Slow consumers: a socket that stops reading must not make the server buffer without bound, and
 * must not silently miss messages either. Socket.IO on uWebSockets.js sends room broadcasts with
 * uWS's `app.publish` and direct emits with `ws.send`; both ignore uWS's answer, and past the
 * route's `maxBackpressure` (64 KiB by default) uWS DROPS the message without a word. So we raise
 * `maxBackpressure` to twice our own cap and disconnect a socket whose `getBufferedAmount()` passes
 * the cap, before uWS would drop anything. It cannot be sent `session:ended` first: it is not
 * reading. Its client reconnects and re-syncs as after any drop. Logged and counted.
 *
 * When to look (issue 20: looking at every socket of a room after every broadcast was a sixth of
 * the service's CPU per bill). A socket's buffer grows only by what is sent to it:
 * - direct emits: looked at after each flush of the socket (its `drain`);
 * - room broadcasts, local or from other nodes through the Redis adapter: their encoded bytes are
 *   counted per room, and a room's sockets are looked at once its count since they were last looked
 *   at passes cap / ROOM_SHARE. A socket is in at most 5 rooms (contracts.ts `roomsFor` and its own
 *   id), and a broadcast to no room counts for every socket as a sixth, so between two looks it
 *   takes less than 6/8 of the cap by broadcasts, plus what one turn of the loop published: a
 *   socket under the cap at one look cannot reach uWS's 2 × cap by the next.
 * - every local socket, once a second, as a backstop for anything the two above do not see.
 * At 200 bills/s over 50 shops a manager room takes about 3.5 KB a second, so its sockets are looked
 * at by the sweep alone: 5,000 looks a second at 5,000 sockets, not 40,000.
 */
import type { ServerOptions } from 'socket.io';
import { MessageType } from 'socket.io-adapter';
import type { Logger } from '../log.ts';
import type { Io } from './io.ts';

/** Between two sweeps of every local socket, ms: the backstop (see the header). */
const SWEEP_MS = 1000;
/** A room's sockets are looked at when the bytes broadcast to it since the last look pass cap / ROOM_SHARE. */
const ROOM_SHARE = 8;
/** The count of broadcasts to the whole namespace (no room): no room name is empty. */
export const EVERYONE = '';

/**
 * Bytes broadcast per room since its sockets were last looked at. `add` answers the rooms whose
 * count reached `threshold` (their count starts again: the caller looks at their sockets);
 * a broadcast to no room counts for EVERYONE. `clear` after a look at every socket.
 */
export function createRoomMeter(threshold: number): { add(rooms: Iterable<string>, bytes: number): string[]; clear(): void } {
  const bytesOf = new Map<string, number>();
  const add = (rooms: Iterable<string>, bytes: number): string[] => {
    const due: string[] = [];
    let some = false;
    for (const room of rooms) {
      some = true;
      const total = (bytesOf.get(room) ?? 0) + bytes;
      if (total < threshold) bytesOf.set(room, total);
      else {
        bytesOf.delete(room);
        due.push(room);
      }
    }
    return some ? due : add([EVERYONE], bytes);
  };
  return { add, clear: () => bytesOf.clear() };
}

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
type Encoder = { encode(packet: unknown): (string | Uint8Array)[] };
/** What of a cluster adapter message this reads: a broadcast names its rooms. */
type RemoteMessage = { type?: number; data?: { opts?: { rooms?: string[] } } };

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

  const adapter = nsp.adapter as unknown as {
    broadcast: Broadcast;
    onMessage?: (message: RemoteMessage, offset?: string) => void;
    rooms: Map<string, Set<string>>;
    encoder: Encoder;
  };
  const meter = createRoomMeter(Math.max(1, Math.floor(capBytes / ROOM_SHARE)));
  const due = new Set<string>(); // rooms whose sockets are looked at after this turn
  const flush = () => {
    if (due.has(EVERYONE)) {
      for (const socket of nsp.sockets.values()) check(socket);
      due.clear();
      return;
    }
    const seen = new Set<string>();
    for (const room of due) {
      for (const id of adapter.rooms.get(room) ?? []) {
        if (seen.has(id)) continue;
        seen.add(id);
        check(nsp.sockets.get(id));
      }
    }
    due.clear();
  };
  const count = (rooms: Iterable<string>, bytes: number) => {
    for (const room of meter.add(rooms, bytes)) {
      if (due.size === 0) setImmediate(flush);
      due.add(room);
    }
  };

  // The encoder is measured only while a broadcast is under way: direct emits cost nothing here.
  let measuring = false;
  let measured = 0;
  const encode = adapter.encoder.encode.bind(adapter.encoder);
  adapter.encoder.encode = (packet) => {
    const out = encode(packet);
    if (measuring) for (const part of out) measured += typeof part === 'string' ? Buffer.byteLength(part) : part.byteLength;
    return out;
  };
  const measure = (rooms: Iterable<string>, send: () => void) => {
    measuring = true;
    measured = 0;
    try {
      send();
    } finally {
      measuring = false;
    }
    if (measured > 0) count(rooms, measured);
  };

  const broadcast = adapter.broadcast.bind(adapter);
  adapter.broadcast = (packet, opts) => measure(opts.rooms, () => broadcast(packet, opts));
  // broadcasts from other nodes reach the local sockets through the cluster adapter's onMessage,
  // which calls the in-memory broadcast directly (socket.io-adapter 2.5, synchronously)
  const onMessage = adapter.onMessage?.bind(adapter);
  if (onMessage) {
    adapter.onMessage = (message, offset) => {
      if (message?.type !== MessageType.BROADCAST) return onMessage(message, offset);
      measure(message.data?.opts?.rooms ?? [], () => onMessage(message, offset));
    };
  }

  const sweep = setInterval(() => {
    meter.clear();
    for (const socket of nsp.sockets.values()) check(socket);
  }, SWEEP_MS);
  sweep.unref();
  return {
    close() {
      clearInterval(sweep);
    },
  };
}
