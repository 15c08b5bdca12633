/** The loyalty section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { loyaltySettings } from './config.ts';
export { AccountOut, LedgerEntryOut, LedgerQuery, LoyaltyChange, LoyaltyConfigBody, LoyaltyConfigOut, LoyaltySection, TierView, TiersBody } from './schema.ts';
export { customerLedger, customerLoyalty, loyaltyConfig, putConfig, replaceTiers, tiers } from './service.ts';
export { tierFor, tierSpan } from './tier-rule.ts';
