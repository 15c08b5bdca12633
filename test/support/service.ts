/** The service as a child process (src/main.ts) on the test run's database and Redis, for tests that kill or restart it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { env } from './env.ts';
import { freePort } from './redis-server.ts';
import { until } from './sockets.ts';

export interface Service {
  child: ChildProcess;
  output(): string;
  /** Resolves when the service printed that it runs. */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<number | null>;
}

/** `vars` override the defaults (the test database and Redis, its JWT secret, no demo shop, quiet logs). */
export function spawnService(vars: Record<string, string>): Service {
  let out = '';
  const child = spawn(process.execPath, ['--import=tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: env().config.databaseUrl,
      REDIS_URL: env().config.redisUrl,
      JWT_SECRET: env().config.jwtSecret,
      HOST: '127.0.0.1',
      SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      AGGREGATOR_SWEEP_MS: '300',
      // tests sign up shops by the dozen from one address
      SIGNUP_LIMIT_PER_IP: '100000',
      SIGNUP_LIMIT_PER_HOUR: '100000',
      ...vars,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return {
    child,
    output: () => out,
    ready: (timeoutMs = 40_000) => until(() => out.includes('Tajir POS is running'), timeoutMs, `service to start: ${out}`),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
}

/**
 * A service of the test's own on a free port, its Redis keys under the run's prefix + `tag` (so
 * its rate limits and aggregates are its own), started and ready. `vars` as for spawnService.
 */
export async function startOwnService(tag: string, vars: Record<string, string> = {}): Promise<Service & { port: number; url: string }> {
  const port = await freePort();
  const service = spawnService({ REDIS_PREFIX: `${env().config.redisPrefix}${tag}:`, PORT: String(port), ...vars });
  try {
    await service.ready();
  } catch (err) {
    service.child.kill('SIGKILL');
    throw err;
  }
  return { ...service, port, url: `http://127.0.0.1:${port}` };
}
