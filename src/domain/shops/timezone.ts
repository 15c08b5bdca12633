/**
 * The shop's time zone, cached in-process: every dashboard read needs "today" in the shop's
 * zone, and a SQL read per request would defeat serving the dashboard from Redis. A changed
 * zone (rare: PUT /api/shop-settings/locale) is seen within 30 s, or at once by the process
 * that made the change (forgetTimeZone).
 */
import type { Db } from '../../db/client.ts';
import { createCache } from '../common/index.ts';

/** 50,000 shops, each trusted for 30 s. */
const cache = createCache<number, string>({ max: 50_000, ttlMs: 30_000 });

export async function shopTimeZone(sql: Db, shopId: number): Promise<string> {
  const hit = cache.get(shopId);
  if (hit !== undefined) return hit;
  const [row] = await sql<{ timezone: string }[]>`select timezone from shop_settings where shop_id = ${shopId}`;
  const tz = row?.timezone ?? 'Asia/Dubai';
  cache.set(shopId, tz);
  return tz;
}

export function forgetTimeZone(shopId: number): void {
  cache.delete(shopId);
}
