/**
 * The shop's time zone, cached in-process: every dashboard read needs "today" in the shop's
 * zone, and a SQL read per request would defeat serving the dashboard from Redis. A changed
 * zone (rare: PUT /api/shop-settings/locale) is seen within TTL_MS, or at once by the process
 * that made the change (forgetTimeZone).
 */
import type { Db } from '../../db/client.ts';

/** Default 30 s. */
const TTL_MS = 30_000;
const cache = new Map<number, { tz: string; until: number }>();

export async function shopTimeZone(sql: Db, shopId: number): Promise<string> {
  const hit = cache.get(shopId);
  const now = Date.now();
  if (hit && hit.until > now) return hit.tz;
  const [row] = await sql<{ timezone: string }[]>`select timezone from shop_settings where shop_id = ${shopId}`;
  const tz = row?.timezone ?? 'Asia/Dubai';
  if (cache.size > 50_000) cache.clear();
  cache.set(shopId, { tz, until: now + TTL_MS });
  return tz;
}

export function forgetTimeZone(shopId: number): void {
  cache.delete(shopId);
}
