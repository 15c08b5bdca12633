/**
 * One way for every command-line tool (src/cli, bench/fuzz.ts) to read its arguments:
 *  - `--help` / `-h` prints the usage on stdout and exits 0;
 *  - an unknown option, a missing or malformed value, or an unexpected argument prints one line
 *    saying which, then the usage, on stderr and exits 2 (the status of a usage error).
 * Exit statuses of the tools: 0 done, 1 the work failed (or found differences), 2 bad usage,
 * a bad configuration value or an unreachable PostgreSQL/Redis.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';

export const EXIT_USAGE = 2;

export interface Command {
  /** As in "tajir seed: …". */
  name: string;
  /** The whole --help text. */
  usage: string;
}

type Options = NonNullable<ParseArgsConfig['options']>;
const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** Parses `argv` (default: this process's) against `options`, or exits as the header says. */
export function parseCommand<const O extends Options, const P extends boolean = false>(
  cmd: Command,
  options: O,
  opts: { positionals?: P; argv?: string[] } = {},
) {
  let parsed: ReturnType<typeof parseArgs<{ options: O & typeof HELP; allowPositionals: P; strict: true }>>;
  try {
    parsed = parseArgs({
      args: opts.argv ?? process.argv.slice(2),
      options: { ...options, ...HELP },
      allowPositionals: (opts.positionals ?? false) as P,
      strict: true,
    });
  } catch (err) {
    return usageError(cmd, (err as Error).message);
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(`${cmd.usage.trim()}\n`);
    process.exit(0);
  }
  return parsed;
}

/** Prints why the arguments are wrong, then the usage, and exits 2. */
export function usageError(cmd: Command, message: string): never {
  process.stderr.write(`tajir ${cmd.name}: ${message}\n\n${cmd.usage.trim()}\n`);
  process.exit(EXIT_USAGE);
}

/** A whole number option within bounds (exits 2 naming the option otherwise); `def` when absent. */
export function wholeNumber(cmd: Command, name: string, value: string | undefined, def: number, bounds: { min?: number; max?: number } = {}): number {
  if (value === undefined) return def;
  const min = bounds.min ?? 0;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  const n = /^\d{1,16}$/.test(value) ? Number(value) : Number.NaN;
  const range = bounds.max === undefined ? `of at least ${min}` : `from ${min} to ${max}`;
  if (!(n >= min && n <= max)) usageError(cmd, `--${name} must be a whole number ${range}, got "${value}"`);
  return n;
}
