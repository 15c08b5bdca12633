/** The aggregates section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { StuckShopError, applyBatch, catchUpShop } from './catch-up.ts';
export type { CatchUpDeps, CatchUpHooks } from './catch-up.ts';
export type { EventRow } from './ops.ts';
export { rebuildShop } from './rebuild.ts';
export type { RebuildResult } from './rebuild.ts';
export { snapshotShop } from './snapshot.ts';
export type { ShopState } from './snapshot.ts';
export { verifyShop } from './verify.ts';
export { eventsAfter, FEED_BACKLOG, isShop, recordFeedMarks, shopCounters } from './log.ts';
export { appliedSeq } from './apply.ts';
export type { BatchSpan } from './apply.ts';
