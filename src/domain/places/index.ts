/** The places section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { listAreas, listCities } from './service.ts';
export { AreaOut, CityOut } from './schema.ts';
