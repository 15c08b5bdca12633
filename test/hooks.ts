/** Mocha root hooks: one environment (database, Redis prefix, server) for the whole run. */
import { checkPostgres, checkRedis, PreflightError } from '../src/preflight.ts';
import { startEnv, stopEnv, testConfig } from './support/env.ts';

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    const config = testConfig();
    try {
      await checkPostgres(config.databaseUrl);
      await checkRedis(config.redisUrl);
    } catch (err) {
      // A missing service is a setup problem, not a failing test: say what to do, once.
      if (err instanceof PreflightError) {
        process.stderr.write(`\ntests cannot run: ${err.message}\n`);
        process.exit(2);
      }
      throw err;
    }
    await startEnv();
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(30_000);
    await stopEnv();
  },
};
