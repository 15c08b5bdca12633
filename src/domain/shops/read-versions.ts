/**
 * The shop's read versions (migration 0042): a number per section that moves, in the same
 * transaction, with every change to what that section's lists read. A list answer read after
 * seeing version v is at least as new as v, so keeping it under v is exact (src/rest/http/read-cache.ts).
 */
import type { Db } from '../../db/client.ts';

export type ReadSection = 'catalogue' | 'customers' | 'bills';

/** Every section's version for one shop; 0 for a section never changed since the migration. */
export async function readVersions(sql: Db, shopId: number): Promise<Record<ReadSection, number>> {
  const rows = await sql<{ section: ReadSection; version: number }[]>`select section, version from read_versions where shop_id = ${shopId}`;
  const out: Record<ReadSection, number> = { catalogue: 0, customers: 0, bills: 0 };
  for (const r of rows) out[r.section] = r.version;
  return out;
}
