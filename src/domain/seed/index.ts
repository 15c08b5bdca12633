/** The seed section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { SEED_PASSWORD, seed } from './seed.ts';
export { DEMO_EMAIL, demoLogin, demoTerminalToken, ensureDemoShop } from './demo.ts';
