/**
 * Every Redis key is built here. Per-shop keys carry the shop as a hash tag (`{shop:42}`) so a
 * Lua script that touches one shop's keys stays in one cluster slot. The prefix comes from
 * config (REDIS_PREFIX) so installs and test runs can share a Redis.
 */
export interface Keys {
  readonly prefix: string;
  /** Everything of one shop starts with this. */
  shop(shopId: number): string;
  /** The aggregate keys of one shop (see ShopKeys). */
  agg(shopId: number): ShopKeys;
  /** Terminals connected anywhere: zset terminal id → last heartbeat (ms). Not an aggregate. */
  presence(shopId: number): string;
  /** Seqs of one shop sent to its live feed beyond its "fed" watermark (mark-fed.lua). Not an aggregate. */
  feed(shopId: number): string;
  /** The sockets of one principal (user or terminal) connected anywhere: zset socket id → connect time. */
  sockets(shopId: number, principal: string): string;
  /** Key prefix for rate-limiter-flexible (it appends its own key; each limit is one key, any slot). */
  rateLimit(name: string): string;
  /**
   * BullMQ prefix (BullMQ adds `:queue:...`). One hash tag over the prefix, as BullMQ asks for a
   * cluster: each of its scripts touches several keys of a queue, which must share a slot.
   */
  bull(): string;
  /** Key prefix for the Socket.IO Redis adapter channels (sharded: each channel hashes on its own). */
  socketIo(): string;
  /** Pub/Sub channel on which a node says a principal's sessions changed (other nodes drop their cached answers). */
  sessionChanges(): string;
  /** SCAN patterns that together match every key above (BullMQ's start with its hash tag): what a teardown deletes. */
  patterns(): string[];
}

/** Names of the monthly sorted sets (top lists). */
export type MonthlyTop = 'pq' | 'pr' | 'area' | 'cust' | 'emp' | 'empb';

/**
 * One shop's aggregates. The key *suffixes* (after the shop prefix) are what aggregate code
 * passes around; `full()` turns a suffix into a key.
 * - meta: applied `seq`, rebuild claim
 * - keys: registry of every aggregate key (so a rebuild can drop them all without SCAN)
 * - tot: running totals (open bills, outstanding, customers)
 * - d:YYYY-MM-DD: a shop-local day (revenue, bills, VAT, collected, expenses, hours h0..h23, methods pm:*)
 * - m:YYYY-MM: a month; m:YYYY-MM:<top>: its top lists
 * - cus / emp: per customer and per employee all-time figures; loy: loyalty account snapshots
 * - names: display names for ids in top lists
 */
export interface ShopKeys {
  full(suffix: string): string;
  meta: string;
  registry: string;
}

export const SUFFIX = {
  tot: 'tot',
  cus: 'cus',
  emp: 'emp',
  loy: 'loy',
  names: 'names',
  day: (day: string) => `d:${day}`,
  month: (month: string) => `m:${month}`,
  top: (month: string, top: MonthlyTop) => `m:${month}:${top}`,
};

export function createKeys(prefix: string): Keys {
  const shop = (shopId: number) => `${prefix}{shop:${shopId}}`;
  return {
    prefix,
    shop,
    agg(shopId) {
      const base = shop(shopId);
      return { full: (suffix) => `${base}:${suffix}`, meta: `${base}:meta`, registry: `${base}:keys` };
    },
    presence: (shopId) => `${shop(shopId)}:presence`,
    sockets: (shopId, principal) => `${shop(shopId)}:sockets:${principal}`,
    feed: (shopId) => `${shop(shopId)}:feed`,
    rateLimit: (name) => `${prefix}rl:${name}`,
    bull: () => `{${prefix}bull}`,
    socketIo: () => `${prefix}sio`,
    sessionChanges: () => `${prefix}session-changes`,
    patterns: () => [`${prefix}*`, `{${prefix}*`],
  };
}
