/**
 * Written answers of the busiest lists (products, customers, bills), kept per node and served
 * while what they read has not changed (issue 20: 2,000 reads/s with p99 < 20 ms on a shop of
 * 5,000 products and 100,000 customers, where one uncached page costs milliseconds of Postgres).
 *
 * Exact, not "fresh enough": a route that says `cache: [...]` gets, before its handler runs, a
 * stamp of the versions its answer depends on:
 * - `catalogue`, `customers`, `bills`: the shop's read versions in Postgres (migration 0042),
 *   moved by triggers in the same transaction as any change, so a write acknowledged to anyone is
 *   visible to the next read on every node;
 * - `figures`: the seq the shop's aggregates in Redis have applied (customer figures, the live
 *   customer count come from there); while aggregates are missing or rebuilding, nothing is
 *   cached.
 * The stamp is read first and the answer after it, so an answer is never older than its stamp
 * (a write landing in between makes it newer, which is harmless). The stamp's Postgres read runs
 * beside the rate limit's Redis call, so a hit costs no serial round trip beyond today's.
 *
 * The key is the route, the shop, the caller's kind and role (products hide inactive ones from
 * the counter), the validated params and query, and the stamp. Entries are the written bytes,
 * bounded by READ_CACHE_MB (LRU by size; 0 turns caching off). A stamp that moves orphans its
 * entries, which then age out of the LRU.
 */
import { LRUCache } from 'lru-cache';
import type { AppDeps } from '../../deps.ts';
import type { Principal } from '../../domain/auth/index.ts';
import { appliedSeq } from '../../domain/aggregates/index.ts';
import { type ReadSection, readVersions } from '../../domain/shops/index.ts';

/** What a cached answer may depend on besides the request: see the module comment. */
export type CacheDependency = ReadSection | 'figures';

export interface ReadCache {
  /** The versions `deps` stand at for this shop, as a key part; undefined when this read must not be cached. */
  stamp(shopId: number, deps: readonly CacheDependency[]): Promise<string | undefined>;
  key(route: string, principal: Principal, params: unknown, query: unknown, stamp: string): string;
  get(key: string): Buffer | undefined;
  /**
   * The answer for `key`, written by `make` once however many requests miss it at once: after a
   * bill moves the version, the next requests of a busy shop share one read instead of each
   * running the list's queries (single flight, per node). A failed `make` is not kept.
   */
  fill(key: string, make: () => Promise<Buffer>): Promise<Buffer>;
}

export function createReadCache(deps: Pick<AppDeps, 'sql' | 'redis' | 'keys'>, maxBytes: number): ReadCache | undefined {
  if (maxBytes <= 0) return undefined;
  const lru = new LRUCache<string, Buffer>({
    maxSize: maxBytes,
    // the key's characters count too: a long search term is memory like any other
    sizeCalculation: (body, key) => body.byteLength + key.length * 2 + 64,
  });
  const filling = new Map<string, Promise<Buffer>>();
  return {
    async stamp(shopId, wanted) {
      const needsPg = wanted.some((d) => d !== 'figures');
      const [versions, seq] = await Promise.all([
        needsPg ? readVersions(deps.sql, shopId) : undefined,
        wanted.includes('figures') ? appliedSeq(deps.redis, deps.keys, shopId) : undefined,
      ]);
      if (wanted.includes('figures') && seq === undefined) return undefined;
      return wanted.map((d) => (d === 'figures' ? `f${seq}` : `${d[0]}${versions![d]}`)).join('.');
    },
    key: (route, p, params, query, stamp) => `${route}\u0000${p.shopId}\u0000${p.kind}:${p.role}\u0000${JSON.stringify(params)}\u0000${JSON.stringify(query)}\u0000${stamp}`,
    get: (key) => lru.get(key),
    fill(key, make) {
      let p = filling.get(key);
      if (!p) {
        p = make().then((body) => {
          lru.set(key, body);
          return body;
        });
        const settled = p.finally(() => filling.delete(key));
        settled.catch(() => {});
        filling.set(key, p);
      }
      return p;
    },
  };
}
