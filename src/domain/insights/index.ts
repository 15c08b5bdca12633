/** The insights section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { getInsights } from './read.ts';
export { InsightsOut, InsightsQuery } from './schema.ts';
