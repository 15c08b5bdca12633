/** OpenAPI 3.1 built from the route declarations; TypeBox schemas are JSON Schema already. */
import type { TSchema } from '@sinclair/typebox';
import { ERROR_STATUS } from '../errors.ts';
import type { AnyRoute } from './http/route.ts';

const ERROR_SCHEMA = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      // details: field errors for 400, context for some 409/422s, null otherwise
      properties: { code: { type: 'string', enum: Object.keys(ERROR_STATUS) }, message: { type: 'string' }, details: {} },
      required: ['code', 'message', 'details'],
    },
  },
};

function paramsOf(schema: TSchema | undefined, where: 'path' | 'query') {
  if (!schema?.properties) return [];
  const required: string[] = schema.required ?? [];
  return Object.entries(schema.properties as Record<string, TSchema>).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || required.includes(name),
    schema: s,
  }));
}

export function buildOpenApi(routes: AnyRoute[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = r.path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      parameters: [...paramsOf(r.params, 'path'), ...paramsOf(r.query, 'query')],
      responses: {
        [String(r.status ?? 200)]: { description: 'Success' },
        default: { description: 'Error', content: { 'application/json': { schema: ERROR_SCHEMA } } },
      },
    };
    if (r.auth !== 'public') {
      op.security = [{ bearer: [] }];
      op['x-roles'] = r.auth;
    }
    if (r.body) op.requestBody = { required: true, content: { 'application/json': { schema: r.body } } };
    paths[path] ??= {};
    (paths[path] as Record<string, unknown>)[r.method] = op;
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Tajir POS API', version: '1.0.0' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } },
    paths,
  };
}
