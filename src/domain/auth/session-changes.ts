/**
 * Cross-node invalidation of the authenticator's cache (authenticate.ts). One Redis Pub/Sub
 * channel per install (keys.sessionChanges()); a message is `user:<id>` or `terminal:<id>`, the
 * principal whose sessions changed. Every node, the sender included, drops its cached answers
 * about that principal, so the next request re-reads PostgreSQL and is refused.
 */
import type { Logger } from '../../log.ts';
import { createRedis, type Redis, type RedisTarget } from '../../redis/client.ts';
import type { Authenticator } from './authenticate.ts';
import type { Principal } from './principal.ts';

export interface SessionChanges {
  /** Drops this node's cache for the principal at once, then tells the other nodes. */
  changed(kind: Principal['kind'], id: number): Promise<void>;
  close(): void;
}

const MESSAGE = /^(user|terminal):(\d{1,15})$/;

export function watchSessionChanges(redisTarget: string | RedisTarget, publisher: Redis, channel: string, auth: Authenticator, log: Logger): SessionChanges {
  // Subscribe mode needs a connection of its own; it waits for Redis forever rather than fail.
  const sub = createRedis(redisTarget, { name: 'tajir-session-changes', maxRetriesPerRequest: null });
  let connectedOnce = false;
  sub.on('ready', () => {
    // messages may have been missed while the subscription was down: trust nothing cached
    if (connectedOnce) auth.forget();
    connectedOnce = true;
  });
  void sub.subscribe(channel).catch((err: Error) => log.warn({ err: err.message }, 'session-changes subscription failed'));
  sub.on('message', (ch: string, message: string) => {
    if (ch !== channel) return;
    const m = MESSAGE.exec(message);
    if (m) auth.forget(m[1] as Principal['kind'], Number(m[2]));
  });
  return {
    async changed(kind, id) {
      auth.forget(kind, id);
      try {
        await publisher.publish(channel, `${kind}:${id}`);
      } catch (err) {
        // the other nodes' caches then expire within the authenticator's TTL
        log.warn({ err: (err as Error).message }, 'session change not published (Redis)');
      }
    },
    close() {
      sub.disconnect();
    },
  };
}
