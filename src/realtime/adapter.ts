/**
 * The Redis adapter, changed in one respect: an emit reaches this node's own sockets at once.
 *
 * socket.io-adapter's ClusterAdapter.broadcast (2.5.x, which the sharded Redis adapter extends)
 * awaits its SPUBLISH before it sends to the local sockets. The offset that publish returns is
 * only for connection-state recovery, which we do not use (the sharded adapter returns ""), so
 * the wait buys nothing and puts a Redis round trip — and any queue on the publish connection —
 * on every push's path. Here the message is published (encoded synchronously, so later changes
 * to the packet cannot leak into it) and the local send follows in the same tick.
 *
 * Order is kept: local sends happen in emit order, and the publishes go in emit order over the
 * one publish connection, so every node sees a room's messages in the order they were made. A
 * failed publish is logged and the local sockets still get the message; other nodes' managers
 * resync with dashboard:sync as they would after any gap.
 *
 * Issue 20, less CPU per push: every node is subscribed to the channels of the rooms it holds,
 * so each of its own publishes comes back to it, and the adapter parses the whole message only
 * to find its own uid in it and drop it. The message is written with the uid first here, so the
 * echo is known by its first bytes and dropped unparsed.
 */
import { createShardedAdapter } from '@socket.io/redis-adapter';
import { Adapter, type BroadcastOptions, MessageType } from 'socket.io-adapter';
import type { Redis } from '../redis/client.ts';

type AdapterFactory = ReturnType<typeof createShardedAdapter>;
type ShardedRedisAdapterOptions = NonNullable<Parameters<typeof createShardedAdapter>[2]>;
type ClusterAdapter = ReturnType<AdapterFactory>;
/** The adapter's publishing step; protected in its types, stable across socket.io-adapter 2.5. */
type Publishing = { publishAndReturnOffset(message: { type: MessageType; data: unknown }): Promise<string> };

export function createLocalFirstAdapter(pub: Redis, sub: Redis, opts: ShardedRedisAdapterOptions, onPublishError: (err: Error) => void): AdapterFactory {
  const factory = createShardedAdapter(pub, sub, opts);
  // a function, not an arrow: Socket.IO calls it with `new`, and the object it returns is the adapter
  // biome-ignore lint/complexity/useArrowFunction: an arrow function cannot be called with `new`
  return function (nsp: unknown) {
    const adapter: ClusterAdapter = factory(nsp);
    const self = adapter as unknown as Echoing;
    // publishAndReturnOffset sets uid and nsp on the message again: same values, same key order
    const ownPrefix = Buffer.from(`{"uid":${JSON.stringify(self.uid)},`);
    const onRawMessage = self.onRawMessage.bind(adapter);
    self.onRawMessage = (raw, channel) => {
      if (isOwnEcho(raw, ownPrefix)) return;
      onRawMessage(raw, channel);
    };
    adapter.broadcast = function (this: ClusterAdapter, packet: unknown, options: BroadcastOptions) {
      if (!options.flags?.local) {
        const message = {
          uid: self.uid,
          nsp: self.nsp.name,
          type: MessageType.BROADCAST,
          data: { packet, opts: { rooms: [...options.rooms], except: [...(options.except ?? [])], flags: options.flags } },
        };
        (this as unknown as Publishing).publishAndReturnOffset(message).catch(onPublishError);
      }
      // the uWS fast path without its per-socket scan when no socket polls (enableFastPublish);
      // otherwise Adapter.prototype.broadcast as socket.io left it: with uWebSockets.js, its native publish
      const fast = (this as unknown as { fastPublish?: FastPublish }).fastPublish;
      if (!fast?.(packet, options)) Adapter.prototype.broadcast.call(this, packet, options);
      return Promise.resolve();
    };
    return adapter;
  };
}

/** What of the sharded adapter the echo check uses; public in its JavaScript, stable across @socket.io/redis-adapter 8. */
interface Echoing {
  uid: string;
  nsp: { name: string };
  onRawMessage(raw: Buffer, channel: Buffer): void;
}

/** True for a JSON message that starts with this adapter's own uid (notepack-encoded messages, with binary, are parsed as before). */
function isOwnEcho(raw: Buffer, ownPrefix: Buffer): boolean {
  return raw.length > ownPrefix.length && raw.compare(ownPrefix, 0, ownPrefix.length, 0, ownPrefix.length) === 0;
}

/** Sends a local broadcast itself and answers true, or answers false to leave it to socket.io. */
type FastPublish = (packet: unknown, options: BroadcastOptions) => boolean;

/** What of uWebSockets.js's app the fast path uses. */
interface Publisher {
  publish(topic: string, message: string | Uint8Array, isBinary?: boolean): boolean;
}

/** socket.io's topic separator on uWS (socket.io/dist/uws.js): namespace, 0x1f, room. */
const SEPARATOR = '\x1f';

/**
 * Issue 20, less CPU per push. With uWebSockets.js, socket.io encodes a room broadcast once and
 * hands it to uWS's native publish, which writes it to every subscribed WebSocket in C++; but it
 * then walks every socket of the room in JavaScript (socket.io/dist/uws.js, `this.apply`) to find
 * those still on HTTP long-polling, which the native publish cannot reach. The service's
 * managers connect with WebSocket only, so that walk finds nobody at 100 sockets a shop and a
 * few messages a bill. This counts this node's Engine.IO connections that are not (yet) on
 * WebSocket and, while there are none, sends a one-room broadcast the way socket.io's fast path
 * does, without the walk. With one polling connection on the node, socket.io's own path runs.
 * Returns the count, for tests.
 */
export function enableFastPublish(
  io: { of(name: string): { name: string; adapter: unknown }; engine: { on(e: 'connection', l: (conn: EngineConn) => void): unknown } },
  app: Publisher,
): () => number {
  let polling = 0;
  io.engine.on('connection', (conn) => {
    if (conn.transport.name === 'websocket') return;
    polling++;
    let counted = true;
    const done = () => {
      if (counted) polling--;
      counted = false;
    };
    conn.once('upgrade', done);
    conn.once('close', done);
  });
  const nsp = io.of('/');
  const adapter = nsp.adapter as { encoder: { encode(packet: unknown): (string | Uint8Array)[] }; rooms: Map<unknown, unknown>; fastPublish?: FastPublish };
  adapter.fastPublish = (packet, options) => {
    if (polling > 0 || options.rooms.size !== 1 || (options.except?.size ?? 0) > 0) return false;
    const room = options.rooms.values().next().value;
    // no socket of this node is in the room (a dashboard form nobody here asked for, say): nothing to encode
    if (!adapter.rooms.has(room)) return true;
    (packet as { nsp: string }).nsp = nsp.name;
    const topic = `${nsp.name}${SEPARATOR}${room}`;
    // "4": the Engine.IO message type, as socket.io's fast path prefixes it
    for (const encoded of adapter.encoder.encode(packet)) {
      if (typeof encoded === 'string') app.publish(topic, `4${encoded}`, false);
      else app.publish(topic, encoded, true);
    }
    return true;
  };
  return () => polling;
}

interface EngineConn {
  transport: { name: string };
  once(event: 'upgrade' | 'close', listener: () => void): unknown;
}
