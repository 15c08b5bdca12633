/** Mocha root hooks: one environment (database, Redis prefix, server) for the whole run. */
import { startEnv, stopEnv } from './support/env.ts';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    await startEnv();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopEnv();
  },
};
