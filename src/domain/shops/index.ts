/** The shops section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { currencyError, knownTimeZone } from './locale.ts';
export { provisionShop } from './provision.ts';
export { forgetTimeZone, shopTimeZone } from './timezone.ts';
export { readVersions } from './read-versions.ts';
export type { ReadSection } from './read-versions.ts';
