/**
 * The one loader of uWebSockets.js. Two builds are installed (README, "Runtime"): the current
 * upstream uWS (npm `uwebsockets`, for Node 22/24/25 on glibc ≥ 2.38) and, as a development
 * fallback only, the 2023 rebuild of uWS v20.30 (`uWebSockets.js`, Node 16/18/20). It loads the
 * newest build whose binary loads here, by requiring the `.node` file itself: the packages' own
 * entry points may fall back to a slow JavaScript shim, which Socket.IO cannot attach to, so they
 * are never used.
 */
import { createRequire } from 'node:module';
import type * as UWS from 'uWebSockets.js';

type Uws = typeof UWS;

interface Candidate {
  /** The name under node_modules (package.json's key). */
  dir: string;
  /** Where the binaries sit inside the package. */
  binaries: string;
  /** The Node ABIs (process.versions.modules) whose binary in this package is this uWS. */
  abis: readonly string[];
  /** Upstream uWS version of those binaries (README, "Provenance": how it was read). */
  upstream: string;
  current: boolean;
}

// Newest first. `uwebsockets` also ships older binaries for ABI ≤ 120 (an older uWS, built
// without the glibc 2.38 toolchain): they are not the current parser, so they are not listed.
const CANDIDATES: readonly Candidate[] = [
  { dir: 'uwebsockets', binaries: '', abis: ['127', '137', '141'], upstream: 'v20.76+', current: true },
  { dir: 'uWebSockets.js', binaries: 'binaries/', abis: ['93', '108', '115'], upstream: 'v20.30.0', current: false },
];

export interface UwsBuild {
  /** The npm package (after any alias) and its version. */
  package: string;
  version: string;
  upstream: string;
  /** The binary loaded, relative to node_modules. */
  binary: string;
  /** Set when this is the development fallback: one line naming the reason and the fix. */
  fallback?: string;
}

const require = createRequire(import.meta.url);

function glibc(): string | undefined {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  return header?.glibcVersionRuntime;
}

function packageInfo(dir: string): { name: string; version: string } {
  const pkg = require(`${dir}/package.json`) as { name: string; version: string };
  return { name: pkg.name, version: pkg.version };
}

/** Why a candidate did not load, in a few words. */
function refusal(c: Candidate, err: unknown): string {
  const { name, version } = packageInfo(c.dir);
  const abi = process.versions.modules;
  if (!c.abis.includes(abi)) return `${name} ${version} has no uWS ${c.upstream} build for Node ${process.versions.node.split('.')[0]}`;
  const message = err instanceof Error ? err.message : String(err);
  const needs = /GLIBC_(\d+\.\d+)' not found/.exec(message)?.[1];
  if (needs) return `${name} ${version} needs glibc ≥ ${needs} and this machine has ${glibc() ?? 'another libc'}`;
  return `${name} ${version} did not load (${message.split('\n')[0]})`;
}

function load(): { uws: Uws; build: UwsBuild } | { error: Error } {
  const binary = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const refused: string[] = [];
  for (const c of CANDIDATES) {
    const path = `${c.dir}/${c.binaries}${binary}`;
    let uws: Uws;
    try {
      if (!c.abis.includes(process.versions.modules)) throw new Error('not listed');
      uws = require(path) as Uws;
    } catch (err) {
      refused.push(refusal(c, err));
      continue;
    }
    // A `.node` file only loads through process.dlopen, so this is native; check it is uWS.
    if (typeof uws?.App !== 'function') {
      refused.push(`${path} is not a uWebSockets.js binary`);
      continue;
    }
    const { name, version } = packageInfo(c.dir);
    const build: UwsBuild = { package: name, version, upstream: c.upstream, binary: path };
    if (!c.current) {
      build.fallback =
        `development fallback: uWS ${c.upstream} (${name} ${version}) on Node ${process.version}, because ${refused.join('; ')}. ` +
        'Not for production: run Node 24 LTS on glibc ≥ 2.38 (Debian 13, Ubuntu 24.04); README, "Runtime".';
    }
    return { uws, build };
  }
  return {
    error: new Error(
      `no native uWebSockets.js build loads on Node ${process.version} (${process.platform}-${process.arch}): ${refused.join('; ')}. ` +
        'Run Node 24 LTS on glibc ≥ 2.38, or Node 20 for development; README, "Runtime"',
    ),
  };
}

const loaded = load();

/** The native module, or undefined when no build loads (assertNativeUws says why). */
const uWS = ('uws' in loaded ? loaded.uws : undefined) as Uws;
export default uWS;

/** Which build is in use; undefined when none loads. */
export const uwsBuild: UwsBuild | undefined = 'build' in loaded ? loaded.build : undefined;

/** Throws a one-line, actionable error when no native build loaded. */
export function assertNativeUws(): void {
  if ('error' in loaded) throw loaded.error;
}
