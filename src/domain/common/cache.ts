/**
 * The one in-process cache: `lru-cache`, always bounded by entry count, optionally with a TTL and
 * a bound on the entries' total weight (for values whose size a tenant chooses).
 * Every cache in the service is made here, so none can grow without bound and each states its
 * size and freshness where it is created.
 */
import { LRUCache } from 'lru-cache';

export interface CacheOptions<V = unknown> {
  /** Most entries kept; the least recently used goes first. */
  max: number;
  /** How long an entry is trusted, ms. Default: until evicted. */
  ttlMs?: number;
  /** Most total weight kept, with each entry's weight (a positive integer): least recently used go first. */
  weight?: { max: number; of: (value: V) => number };
}

export type Cache<K extends {}, V extends {}> = LRUCache<K, V>;

export function createCache<K extends {}, V extends {}>(opts: CacheOptions<V>): Cache<K, V> {
  return new LRUCache<K, V>({
    max: opts.max,
    ...(opts.ttlMs ? { ttl: opts.ttlMs } : {}),
    ...(opts.weight ? { maxSize: opts.weight.max, sizeCalculation: (v: V) => opts.weight!.of(v) } : {}),
  });
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
