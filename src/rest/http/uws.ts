/**
 * uWebSockets.js, checked to be the native build. The package silently falls back to a slow
 * Node.js implementation when its binary does not load (wrong Node version); we refuse that.
 */
import { createRequire } from 'node:module';
import uWS from 'uWebSockets.js';

export default uWS;

/** Throws a one-line, actionable error when the native binary is not the module in use. */
export function assertNativeUws(): void {
  const require = createRequire(import.meta.url);
  const binary = `uWebSockets.js/binaries/uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  let native: unknown;
  try {
    native = require(binary);
  } catch {
    throw new Error(
      `uWebSockets.js has no native build for Node ${process.version} on ${process.platform}-${process.arch}; use Node 20 (nvm install 20)`,
    );
  }
  if (native !== uWS) throw new Error('uWebSockets.js loaded its Node.js fallback instead of the native build; use Node 20');
}
