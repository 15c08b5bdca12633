/** What a terminal's connection records in PostgreSQL: when it was last seen, and the settings version it applied. */
import type { Db } from '../../db/client.ts';

export async function markSeen(sql: Db, shopId: number, terminalId: number): Promise<void> {
  await sql`update terminals set last_seen = now() where shop_id = ${shopId} and id = ${terminalId}`;
}

/**
 * Records that a terminal applied the shop's settings up to `version`. Never moves back, and a
 * version the shop has not reached yet (a forged ack) changes nothing.
 */
export async function recordSettingsAck(sql: Db, shopId: number, terminalId: number, version: number): Promise<void> {
  await sql`
    update terminals t set settings_version_acked = greatest(coalesce(t.settings_version_acked, 0), ${version}), last_seen = now()
    from shop_settings s
    where t.shop_id = ${shopId} and t.id = ${terminalId} and s.shop_id = t.shop_id and ${version} <= s.version`;
}
