/**
 * Every Redis key is built here. Per-shop keys carry the shop as a hash tag (`{shop:42}`) so a
 * Lua script that touches one shop's keys stays in one cluster slot. The prefix comes from
 * config (REDIS_PREFIX) so installs and test runs can share a Redis.
 */
export interface Keys {
  readonly prefix: string;
  /** Everything of one shop starts with this. */
  shop(shopId: number): string;
  /** Key prefix for rate-limiter-flexible (it appends its own key). */
  rateLimit(name: string): string;
  /** BullMQ prefix (BullMQ adds `:queue:...`). */
  bull(): string;
  /** Key prefix for the Socket.IO Redis adapter channels. */
  socketIo(): string;
}

export function createKeys(prefix: string): Keys {
  return {
    prefix,
    shop: (shopId) => `${prefix}{shop:${shopId}}`,
    rateLimit: (name) => `${prefix}rl:${name}`,
    bull: () => `${prefix}bull`,
    socketIo: () => `${prefix}sio`,
  };
}
