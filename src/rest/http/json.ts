/**
 * Request bodies as JSON, with a nesting bound checked before parsing. JSON.parse of a body
 * nested 100,000 levels deep (200 KB, well under the body limit) holds the event loop for
 * ~100 ms — for every shop — before any schema can refuse it, and anyone can send one (signup
 * needs no token). No request schema of this API nests deeper than a few levels.
 */
import { ERRORS } from '../../errors.ts';

/** Deepest nesting of objects and arrays a body may have. Default 32. */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The deepest nesting in a JSON text, stopping as soon as it passes `limit` (one pass over the bytes, strings skipped). */
export function jsonDepthExceeds(buf: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** The body as a value (undefined when empty); 400 when it is not JSON or nests past MAX_JSON_DEPTH. */
export function parseJsonBody(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  if (jsonDepthExceeds(buf, MAX_JSON_DEPTH)) {
    throw ERRORS.validation([{ field: 'body', message: `nests deeper than ${MAX_JSON_DEPTH} levels` }]);
  }
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    throw ERRORS.malformedJson();
  }
}
