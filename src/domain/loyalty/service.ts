/**
 * The loyalty section's surface (DOMAIN.md section 3): programme config, tiers, and customer
 * accounts. Earning and redemption happen with bills (domain/billing/loyalty-rules.ts).
 */
import type { Db } from '../../db/client.ts';
import { loyaltySettings } from './config.ts';
import type { TiersBody } from './schema.ts';
import { putTiers } from './tiers.ts';

export { type AccountSnapshot, customerLedger, customerLoyalty, loadAccount } from './accounts.ts';
export { loyaltyConfig, loyaltySettings, putConfig } from './config.ts';
export { putTiers, tiers } from './tiers.ts';
export { tierFor } from './tier-rule.ts';

/** PUT /api/loyalty/tiers inside the settings transaction; returns the whole 'loyalty' section. */
export async function replaceTiers(tx: Db, shopId: number, body: TiersBody) {
  await putTiers(tx, shopId, body);
  return loyaltySettings(tx, shopId);
}
