/**
 * Ajv validators compiled once per schema at start-up. Query strings and path params are coerced
 * ("5" → 5); JSON bodies are not (a string where a number belongs is a client bug worth a 400).
 * Unknown body fields are dropped (removeAdditional), so clients may send extra fields such as
 * totals, which the server ignores and recomputes.
 */
import type { TSchema } from '@sinclair/typebox';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { ERRORS, type FieldError } from '../../errors.ts';

// ajv-formats is CommonJS with a default export; under NodeNext the callable is on .default.
type AddFormats = (ajv: Ajv, options: { formats: string[]; keywords: boolean }) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as AddFormats;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: true,
    strict: false,
    // errors carry their schema, so a schema's own `x-error` message can replace Ajv's wording
    verbose: true,
  });
  // keywords: formatMinimum/formatMaximum, which state the date window (common/schema.ts DateStr)
  addFormats(ajv, { formats: ['date', 'date-time', 'email', 'uri', 'uuid'], keywords: true });
  return ajv;
}

const ajvInput = makeAjv(true);
const ajvBody = makeAjv(false);

export type Validator = (value: unknown, where: 'params' | 'query' | 'body') => unknown;

export function compileValidator(schema: TSchema, coerce: boolean): Validator {
  const fn: ValidateFunction = (coerce ? ajvInput : ajvBody).compile(schema);
  // Ajv checks minProperties before removeAdditional drops unknown fields, so a PATCH of only
  // unknown fields would pass as {} (and reach SQL as an UPDATE with nothing to set). A second
  // pass over the cleaned value counts only the known fields.
  const recheck = JSON.stringify(schema).includes('"minProperties"');
  return (value, where) => {
    if (fn(value) && (!recheck || fn(value))) return value;
    throw ERRORS.validation(toFieldErrors(fn.errors ?? [], where));
  };
}

function toFieldErrors(errors: ErrorObject[], where: string): FieldError[] {
  const out: FieldError[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    let path = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      path = path ? `${path}.${missing}` : missing;
    }
    const field = path || where;
    const own = (e.parentSchema as { 'x-error'?: string } | undefined)?.['x-error'];
    const message = e.keyword === 'required' ? 'is required' : (own ?? e.message ?? 'is invalid');
    const key = `${field}|${message}`;
    // anyOf/oneOf produce one error per branch; one line per field and message is enough
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out;
}
