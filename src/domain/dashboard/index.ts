/** The dashboard section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export type { Dashboard } from './build.ts';
export { getDashboard, readForPush } from './read.ts';
export type { ChangedSince, DashboardDeps, KeptRead, PushRead } from './read.ts';
export { DashboardSchema } from './schema.ts';
