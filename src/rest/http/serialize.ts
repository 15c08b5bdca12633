/**
 * Response bodies written through their route's schema (fast-json-stringify, compiled once per
 * route at mount): only the fields the schema names are written, so a column added to a query
 * never leaks into an answer, and the writer is specialised to the shape instead of walking it.
 */
import type { TSchema } from '@sinclair/typebox';
import fastJsonModule from 'fast-json-stringify';

// fast-json-stringify is CommonJS; under NodeNext its callable may sit on .default
type Build = (schema: object, options?: object) => (doc: unknown) => string;
const build = ((fastJsonModule as unknown as { default?: Build }).default ?? fastJsonModule) as unknown as Build;

/** Keywords only ajv reads; fast-json-stringify would not know them. */
const AJV_ONLY = new Set(['formatMinimum', 'formatMaximum', 'x-error', '$id']);

export type Serialize = (body: unknown) => string;

export function compileSerializer(schema: TSchema): Serialize {
  const plain = JSON.parse(JSON.stringify(schema, (k, v) => (AJV_ONLY.has(k) ? undefined : v)));
  return build(plain, { rounding: 'round' });
}
