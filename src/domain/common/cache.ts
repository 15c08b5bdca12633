/**
 * The one in-process cache: `lru-cache`, always bounded by entry count, optionally with a TTL.
 * Every cache in the service is made here, so none can grow without bound and each states its
 * size and freshness where it is created.
 */
import { LRUCache } from 'lru-cache';

export interface CacheOptions {
  /** Most entries kept; the least recently used goes first. */
  max: number;
  /** How long an entry is trusted, ms. Default: until evicted. */
  ttlMs?: number;
}

export type Cache<K extends {}, V extends {}> = LRUCache<K, V>;

export function createCache<K extends {}, V extends {}>(opts: CacheOptions): Cache<K, V> {
  return new LRUCache<K, V>(opts.ttlMs ? { max: opts.max, ttl: opts.ttlMs } : { max: opts.max });
}

/** The cached value of `key`, made by `make` on a miss. */
export function cached<K extends {}, V extends {}>(cache: Cache<K, V>, key: K, make: () => V): V {
  let v = cache.get(key);
  if (v === undefined) {
    v = make();
    cache.set(key, v);
  }
  return v;
}
