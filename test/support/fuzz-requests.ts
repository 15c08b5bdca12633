/**
 * Requests for every route, generated from the route's own schemas as `GET /openapi.json` serves
 * them (the same TypeBox schemas that validate). Schema-valid values come from json-schema-faker
 * (seeded from fast-check, so a run is reproducible from one seed); fast-check mixes them with
 * the hostile values of fuzz-values.ts: boundaries, far and reversed dates, wrong types, extra
 * and `__proto__` keys, deep nesting, broken JSON.
 */
import fc from 'fast-check';
import type { JsonSchema } from 'json-schema-faker';
import { hostileAny, hostileDate, hostileNumber, hostilePathParam, hostileString, wrongType } from './fuzz-values.ts';

type Schema = Record<string, any>;

export interface Param {
  name: string;
  schema: Schema;
  required: boolean;
}

/** One operation of the OpenAPI document. */
export interface Operation {
  method: string;
  /** The OpenAPI path, e.g. /api/bills/{id} */
  path: string;
  public: boolean;
  /** The roles allowed (x-roles); undefined on public operations. */
  roles?: readonly string[];
  pathParams: Param[];
  query: Param[];
  body?: Schema;
}

/** One generated request; everything needed to send it again. */
export interface FuzzCase {
  /** "GET /api/bills/{id}" */
  op: string;
  method: string;
  /** The path with its parameters filled in (URL-encoded) and the query string. */
  url: string;
  /** The raw body text (not always JSON) or undefined. */
  body?: string;
  /**
   * Whose credentials: the fuzzed shop's owner, its terminal (on the operations only terminals
   * may call, which the owner would only ever get a 403 from), none, or a forged token.
   */
  auth: 'owner' | 'terminal' | 'none' | 'forged';
  /** How the case was built (for reading a failure). */
  strategy: string;
}

/** Operations of an OpenAPI document. `exclude` names operations ("GET /metrics") not to fuzz. */
export function operationsOf(doc: any, exclude: ReadonlySet<string> = new Set()): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<Record<string, any>>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      if (exclude.has(`${method.toUpperCase()} ${path}`)) continue;
      const params: Param[] = (op.parameters ?? []).map((p: any) => ({ name: p.name, schema: p.schema, required: Boolean(p.required), in: p.in }));
      ops.push({
        method: method.toUpperCase(),
        path,
        // security [] marks a public operation (openapi.ts); x-roles names who may call the others
        public: Array.isArray(op.security) && op.security.length === 0,
        roles: op['x-roles'],
        pathParams: params.filter((p: any) => p.in === 'path'),
        query: params.filter((p: any) => p.in === 'query'),
        body: op.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return ops;
}

const seed = fc.integer({ min: 1, max: 0x7fffffff });

/**
 * json-schema-faker ships only as an ES module: imported dynamically, so that mocha can still
 * `require` the test files (a static import would load them as ESM, apart from the root hooks'
 * instance of test/support/env.ts).
 */
let generateSync: typeof import('json-schema-faker').generateSync | undefined;
async function loadFaker(): Promise<void> {
  generateSync ??= (await import('json-schema-faker')).generateSync;
}

/** A schema-valid value (json-schema-faker, seeded by fast-check). */
export function validOf(schema: Schema): fc.Arbitrary<unknown> {
  return seed.map((s) => {
    try {
      return generateSync!(schema as JsonSchema, { seed: s });
    } catch {
      // a pinned schema json-schema-faker cannot satisfy (minProperties with every key required, say)
      return schema.type === 'object' ? {} : null;
    }
  });
}

/** The schema with every bound pinned to its maximum (or minimum): the largest request it allows. */
export function pinned(schema: Schema, to: 'max' | 'min'): Schema {
  if (Array.isArray(schema)) return schema.map((s) => pinned(s, to)) as unknown as Schema;
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) out[k] = typeof v === 'object' && v !== null && k !== 'examples' ? pinned(v, to) : v;
  if (to === 'max') {
    if (typeof out.maximum === 'number') out.minimum = out.maximum;
    if (typeof out.maxItems === 'number') out.minItems = out.maxItems;
    if (typeof out.maxLength === 'number' && !out.pattern && !out.format) out.minLength = out.maxLength;
    if (out.properties) out.required = Object.keys(out.properties);
  } else {
    if (typeof out.minimum === 'number') out.maximum = out.minimum;
    if (typeof out.minItems === 'number') out.maxItems = out.minItems;
    if (typeof out.minLength === 'number' && !out.pattern && !out.format) out.maxLength = out.minLength;
  }
  return out;
}

function isDate(schema: Schema): boolean {
  return schema?.format === 'date';
}

/** A hostile value of the field's own type (so it passes the type check and meets the bounds). */
function hostileFor(schema: Schema): fc.Arbitrary<unknown> {
  if (isDate(schema)) return hostileDate;
  if (schema?.type === 'integer' || schema?.type === 'number') return hostileNumber;
  if (schema?.type === 'string') return hostileString;
  return hostileAny;
}

/** Every path (list of keys) to a value inside `v`, `v` itself included. */
function pathsIn(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) pathsIn(x, [...at, i], out);
  } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) pathsIn(x, [...at, k], out);
  return out;
}

function setAt(v: unknown, path: (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(v) ? [...v] : { ...(v as object) };
  const [k, ...rest] = path;
  copy[k as any] = setAt(copy[k as any], rest, value);
  return copy;
}

/** A valid value with one place in it (any depth) replaced by a hostile one. */
function mutated(schema: Schema): fc.Arbitrary<unknown> {
  return fc.tuple(validOf(schema), fc.nat(), fc.oneof(hostileString, hostileDate, hostileNumber, wrongType)).map(([v, i, bad]) => {
    const paths = pathsIn(v).filter((p) => p.length > 0);
    if (paths.length === 0) return bad;
    return setAt(v, paths[i % paths.length]!, bad);
  });
}

/** Keys that must never reach an object's prototype, spliced in as raw JSON. */
const EXTRA_KEYS = [
  '"__proto__":{"role":"owner","shop_id":1,"isAdmin":true}',
  '"constructor":{"prototype":{"polluted":true}}',
  '"prototype":{}',
  '"shop_id":1',
  '"id":1',
  '"extra_field":"x"',
];

function withExtraKeys(text: string, extra: string): string {
  if (!text.startsWith('{')) return text;
  return text === '{}' ? `{${extra}}` : `{${extra},${text.slice(1)}`;
}

const BROKEN_JSON = ['', '{', '{"a":', 'not json', '[', '\u0000', '\uFEFF{}', '{"a":1}{"b":2}', 'null', '"str"', '123', '[]', 'true', '{"a":NaN}', '{"a":1e999}'];

function bodyOf(schema: Schema): fc.Arbitrary<{ text: string; strategy: string }> {
  const json = (strategy: string) => (v: unknown) => ({ text: JSON.stringify(v) ?? 'null', strategy });
  return fc.oneof(
    { weight: 4, arbitrary: validOf(schema).map(json('valid')) },
    { weight: 5, arbitrary: mutated(schema).map(json('one field hostile')) },
    { weight: 1, arbitrary: validOf(pinned(schema, 'max')).map(json('every bound at its maximum')) },
    { weight: 1, arbitrary: validOf(pinned(schema, 'min')).map(json('every bound at its minimum')) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(validOf(schema), fc.constantFrom(...EXTRA_KEYS))
        .map(([v, extra]) => ({ text: withExtraKeys(JSON.stringify(v) ?? '{}', extra), strategy: 'extra keys' })),
    },
    { weight: 1, arbitrary: wrongType.map(json('body of the wrong type')) },
    // written as text: JSON.stringify itself overflows the stack this deep
    { weight: 1, arbitrary: fc.constantFrom(10_000, 100_000, 400_000).map((d) => ({ text: `{"items":${'['.repeat(d)}1${']'.repeat(d)}}`, strategy: 'deep nesting' })) },
    { weight: 1, arbitrary: fc.constantFrom(...BROKEN_JSON).map((text) => ({ text, strategy: 'broken JSON' })) },
  );
}

/** A query value: schema-valid, or hostile of its type, or of any type. */
function queryValue(p: Param): fc.Arbitrary<string | undefined> {
  const str = (v: unknown) => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v));
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 4, arbitrary: validOf(p.schema).map(str) },
    { weight: 3, arbitrary: hostileFor(p.schema).map(str) },
    { weight: 1, arbitrary: hostileAny.map(str) },
  );
}

/** Ordered from > to when the route takes both (a reversed period). */
const reversedPeriod = fc
  .tuple(fc.date({ min: new Date('1990-01-01'), max: new Date('2110-12-31'), noInvalidDate: true }), fc.integer({ min: 1, max: 40_000 }))
  .map(([d, days]) => {
    const to = d.toISOString().slice(0, 10);
    const from = new Date(d.getTime() + days * 86_400_000).toISOString().slice(0, 10);
    return { from, to };
  });

function queryOf(op: Operation): fc.Arbitrary<{ pairs: [string, string][]; strategy: string }> {
  const each = fc.tuple(...op.query.map((p) => queryValue(p))).map((vals) => {
    const pairs: [string, string][] = [];
    op.query.forEach((p, i) => {
      if (vals[i] !== undefined) pairs.push([p.name, vals[i]!]);
    });
    return { pairs, strategy: 'query per field' };
  });
  const names = new Set(op.query.map((p) => p.name));
  const alternatives: fc.Arbitrary<{ pairs: [string, string][]; strategy: string }>[] = [each];
  if (names.has('from') && names.has('to')) {
    alternatives.push(
      reversedPeriod.map(({ from, to }) => ({
        pairs: [
          ['from', from],
          ['to', to],
        ] as [string, string][],
        strategy: 'reversed period',
      })),
      fc.tuple(hostileDate, hostileDate).map(([from, to]) => ({
        pairs: [
          ['from', from],
          ['to', to],
        ] as [string, string][],
        strategy: 'far dates',
      })),
    );
  }
  if (names.size) {
    alternatives.push(
      fc.tuple(fc.constantFrom(...names), hostileString, hostileString).map(([n, a, b]) => ({
        pairs: [
          [n, a],
          [n, b],
        ] as [string, string][],
        strategy: 'repeated query key',
      })),
    );
  }
  alternatives.push(fc.constant({ pairs: [['__proto__[x]', '1'], ['constructor', 'x'], ['unknown', 'y']] as [string, string][], strategy: 'unknown query keys' }));
  return fc.oneof(...alternatives);
}

/**
 * encodeURIComponent, except that a lone surrogate (which it refuses) goes out as its three
 * UTF-8-style bytes: invalid UTF-8 in the URL, as a hostile client can send.
 */
function encode(s: string): string {
  return s.replace(/[\s\S]/gu, (ch) => {
    try {
      return encodeURIComponent(ch);
    } catch {
      const u = ch.charCodeAt(0);
      return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  });
}

/**
 * Requests for one operation. `ids` are real row ids (of the fuzzed shop and of others) for path
 * parameters, so that cases reach past the "not found".
 */
export function requestsFor(op: Operation, ids: readonly number[]): fc.Arbitrary<FuzzCase> {
  const pathParam = (p: Param) =>
    fc.oneof(
      { weight: 4, arbitrary: ids.length ? fc.constantFrom(...ids).map(String) : fc.constant('1') },
      { weight: 1, arbitrary: validOf(p.schema).map(String) },
      { weight: 3, arbitrary: hostilePathParam },
    );
  const params = fc.tuple(...op.pathParams.map(pathParam));
  const body = op.body ? fc.option(bodyOf(op.body), { freq: 12 }) : fc.constant(null);
  const who: FuzzCase['auth'] = op.roles && !op.roles.includes('owner') && op.roles.includes('terminal') ? 'terminal' : 'owner';
  const auth = op.public ? fc.constant<FuzzCase['auth']>('none') : fc.constantFrom<FuzzCase['auth']>(...Array(18).fill(who), 'none', 'forged');
  return fc.record({ params, query: queryOf(op), body, auth }).map(({ params, query, body, auth }) => {
    let path = op.path;
    op.pathParams.forEach((p, i) => {
      path = path.replace(`{${p.name}}`, encode(params[i]!));
    });
    const qs = query.pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    return {
      op: `${op.method} ${op.path}`,
      method: op.method,
      url: qs ? `${path}?${qs}` : path,
      body: op.body ? (body?.text ?? '') : undefined,
      auth,
      strategy: [query.strategy, op.body ? (body?.strategy ?? 'no body') : undefined].filter(Boolean).join('; '),
    };
  });
}

/**
 * `count` cases over every operation, deterministic for `seed`. Operations take turns (so a small
 * run still covers every route); public ones (signup, login: rate-limited) come up one in
 * `publicEvery` turns.
 */
export async function generateCases(ops: Operation[], ids: readonly number[], count: number, runSeed: number, publicEvery = 40): Promise<FuzzCase[]> {
  await loadFaker();
  // routes that take a date come up twice as often: dates are where the bounds are hardest
  const internal = ops.filter((o) => !o.public).flatMap((o) => (o.query.some((p) => p.schema?.format === 'date') ? [o, o] : [o]));
  const open = ops.filter((o) => o.public);
  const perOp = new Map(ops.map((o) => [o, requestsFor(o, ids)]));
  const out: FuzzCase[] = [];
  let turn = 0;
  let k = 0;
  while (out.length < count) {
    const usePublic = open.length > 0 && turn % publicEvery === publicEvery - 1;
    const op = usePublic ? open[Math.floor(turn / publicEvery) % open.length]! : internal[k++ % internal.length]!;
    turn++;
    // one sample per case, each with its own derived seed: case i is the same whatever `count` is
    const [c] = fc.sample(perOp.get(op)!, { seed: runSeed + out.length * 7919, numRuns: 1 });
    out.push(c!);
  }
  return out;
}
