/**
 * OpenAPI 3.1 built from the route declarations: TypeBox schemas are JSON Schema already. Every
 * operation gets an operationId, its section's tag, its security (bearer, or none on the public
 * routes), the schema of its success response when the route declares one, and every 4xx and
 * 5xx it can answer, each with the one error envelope. `npm test` lints the served document with
 * Redocly's recommended rules (test/openapi.test.ts).
 */
import type { TSchema } from '@sinclair/typebox';
import { ERROR_STATUS } from '../errors.ts';
import type { AnyRoute } from './http/route.ts';

const ERROR_SCHEMA = {
  type: 'object',
  description: 'The one error envelope (API.md "Conventions")',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: Object.keys(ERROR_STATUS) },
        message: { type: 'string' },
        details: { description: 'field errors for 400, context for some 409/422/429, null otherwise' },
      },
      required: ['code', 'message', 'details'],
    },
  },
  required: ['error'],
};

/** The error responses an operation may answer, by status. */
const ERROR_RESPONSES: Record<string, string> = {
  '400': 'The request is malformed or out of bounds (validation_failed, malformed_json)',
  '401': 'No token, or a bad, expired or revoked one',
  '403': 'The role may not do this',
  '404': "Absent, or another shop's",
  '409': 'A conflict: a duplicate, or a state that no longer allows it',
  '413': 'The body is over the limit',
  '415': 'The body is not JSON',
  '422': 'Well-formed, but a business rule refuses it (the code says which)',
  '429': 'A budget is spent; Retry-After says when to come back',
  '503': 'PostgreSQL or Redis does not answer for a moment; retry (with the Idempotency-Key for writes)',
};

const IDEMPOTENCY_KEY = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description: 'A retry with the same key returns the first result and creates nothing new (per principal, kept 48 h)',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};

/** Keywords ajv checks that OpenAPI's schema dialect does not know: the bound they state is in the description. */
const NOT_OPENAPI = new Set(['formatMinimum', 'formatMaximum', 'formatExclusiveMinimum', 'formatExclusiveMaximum', '$id']);

function forOpenApi(schema: unknown): unknown {
  return JSON.parse(
    JSON.stringify(schema, function (this: Record<string, unknown>, key, value) {
      if (NOT_OPENAPI.has(key)) return undefined;
      if (key === 'description' && typeof this.formatMinimum === 'string') return `${value} (${this.formatMinimum} … ${this.formatMaximum})`;
      return value;
    }),
  );
}

function paramsOf(schema: TSchema | undefined, where: 'path' | 'query') {
  if (!schema?.properties) return [];
  const required: string[] = schema.required ?? [];
  return Object.entries(schema.properties as Record<string, TSchema>).map(([name, s]) => ({
    name,
    in: where,
    // a query field with a default is required of the validated query, not of the caller
    required: where === 'path' || (required.includes(name) && s.default === undefined),
    schema: forOpenApi(s),
  }));
}

/** GET /api/bills/:id/payments → getBillsByIdPayments; stable, unique per method and path. */
export function operationIdOf(r: Pick<AnyRoute, 'method' | 'path' | 'operationId'>): string {
  if (r.operationId) return r.operationId;
  const words = r.path
    .replace(/^\/api\//, '/')
    .split(/[/.-]/)
    .filter(Boolean)
    .map((w) => (w.startsWith(':') ? `By${w[1]!.toUpperCase()}${w.slice(2)}` : w))
    .map((w) => w.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()))
    .map((w) => w[0]!.toUpperCase() + w.slice(1));
  return r.method + words.join('');
}

/** The 4xx and 5xx a route can answer, from its declaration. */
function errorStatuses(r: AnyRoute): string[] {
  const out = new Set<string>();
  const api = r.path.startsWith('/api/');
  if (r.params || r.query || r.body) out.add('400');
  if (r.auth !== 'public') out.add('401').add('403');
  if (r.params || r.path.includes(':')) out.add('404');
  for (const s of r.errors ?? []) out.add(String(s));
  // a write may meet a constraint (src/db/errors.ts: unique → 409; reference, check → 422) or a rule
  if (r.body && r.method !== 'get') out.add('409').add('422');
  if (r.method === 'delete') out.add('409').add('422');
  if (r.body) out.add('413').add('415');
  if (api) out.add('429').add('503');
  // every route can meet an unknown path next to it: Redocly wants a 4xx on each
  if (![...out].some((s) => s.startsWith('4'))) out.add('404');
  return [...out].sort();
}

export function buildOpenApi(routes: AnyRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const status = String(r.status ?? 200);
    const success: Record<string, unknown> = { description: r.responseDescription ?? (status === '204' ? 'Done; no body' : 'Success') };
    if (r.response && status !== '204') success.content = { [r.responseType ?? 'application/json']: { schema: forOpenApi(r.response) } };
    const op: Record<string, unknown> = {
      operationId: operationIdOf(r),
      summary: r.summary,
      tags: [r.tag],
      security: r.auth === 'public' ? [] : [{ bearer: [] }],
      parameters: [...paramsOf(r.params, 'path'), ...paramsOf(r.query, 'query'), ...(r.idempotent ? [IDEMPOTENCY_KEY] : [])],
      responses: {
        [status]: success,
        ...Object.fromEntries(errorStatuses(r).map((s) => [s, { $ref: `#/components/responses/E${s}` }])),
      },
    };
    if (r.auth !== 'public') op['x-roles'] = r.auth;
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: forOpenApi(r.body) } } };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[r.method] = op;
  }
  const tags = [...new Set(routes.map((r) => r.tag))].sort().map((name) => ({ name, description: `The ${name} section` }));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tajir POS API',
      version: '1.0.0',
      description: 'The REST side of the Tajir POS backend (../shared/API.md). The realtime side is described in /asyncapi.json.',
      license: { name: 'Proprietary', url: 'https://example.invalid/license' },
    },
    servers: [{ url: '/', description: 'this service (the same host serves the pages and Socket.IO)' }],
    security: [{ bearer: [] }],
    tags,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A user token (POST /api/auth/login) or a terminal token (POST /api/terminals)' } },
      schemas: { Error: ERROR_SCHEMA },
      responses: Object.fromEntries(
        Object.entries(ERROR_RESPONSES).map(([s, description]) => [`E${s}`, { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } }]),
      ),
    },
    paths,
  };
}
