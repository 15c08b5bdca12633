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
    adapter.broadcast = function (this: ClusterAdapter, packet: unknown, options: BroadcastOptions) {
      if (!options.flags?.local) {
        const message = { type: MessageType.BROADCAST, data: { packet, opts: { rooms: [...options.rooms], except: [...(options.except ?? [])], flags: options.flags } } };
        (this as unknown as Publishing).publishAndReturnOffset(message).catch(onPublishError);
      }
      // Adapter.prototype.broadcast as socket.io left it: with uWebSockets.js, its native publish
      Adapter.prototype.broadcast.call(this, packet, options);
      return Promise.resolve();
    };
    return adapter;
  };
}
