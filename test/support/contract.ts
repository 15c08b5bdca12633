/**
 * Every answer the tests receive through support/http.ts is checked against the served
 * /openapi.json: a success body against its operation's response schema, an error body against
 * the error envelope, and its status against the statuses the operation lists. So the document
 * is held to what the service really answers by every route test there is (issue 15 part 2).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext the callable is on .default
const addFormats = ((addFormatsModule as unknown as { default?: (a: Ajv) => Ajv }).default ?? addFormatsModule) as unknown as (a: Ajv) => Ajv;

interface Operation {
  method: string;
  pattern: RegExp;
  path: string;
  statuses: Set<string>;
  check: Map<string, ValidateFunction>;
}

let operations: Operation[] | undefined;
let loading: Promise<Operation[]> | undefined;

async function load(baseUrl: string): Promise<Operation[]> {
  const doc = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as any;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ ...doc.components.schemas.Error, $id: 'Error' });
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
    const pattern = new RegExp(`^${path.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    for (const [method, op] of Object.entries(methods)) {
      const check = new Map<string, ValidateFunction>();
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        if (r.$ref) check.set(status, ajv.getSchema('Error')!);
        else if (r.content?.['application/json']?.schema) check.set(status, ajv.compile(JSON.parse(JSON.stringify(r.content['application/json'].schema).replaceAll('#/components/schemas/Error', 'Error'))));
      }
      ops.push({ method: method.toUpperCase(), pattern, path, statuses: new Set(Object.keys(op.responses)), check });
    }
  }
  // a literal segment beats a parameter (/api/bills/next-number before /api/bills/{id})
  return ops.sort((a, b) => (a.path.match(/\{/g)?.length ?? 0) - (b.path.match(/\{/g)?.length ?? 0));
}

/** Throws when an answer is not what /openapi.json says the operation answers. */
export async function checkAgainstContract(baseUrl: string, method: string, url: string, status: number, body: unknown, json: boolean): Promise<void> {
  if (!loading) loading = load(baseUrl);
  operations ??= await loading;
  const path = url.split('?')[0]!;
  const op = operations.find((o) => o.method === method.toUpperCase() && o.pattern.test(path));
  if (!op) return; // an unknown route: its 404 is the catch-all's
  const where = `${method} ${op.path} → ${status}`;
  // 431 (request line or headers too long) is uWebSockets.js's own answer, before any route runs
  if (status === 431) return;
  // 500 is never documented: a test that meets one fails on its own assertions with the body in view
  if (status !== 500 && !op.statuses.has(String(status))) throw new Error(`${where}: /openapi.json does not list this status`);
  const check = op.check.get(String(status));
  if (check && json && !check(body)) {
    throw new Error(`${where}: the body does not match /openapi.json: ${JSON.stringify(check.errors?.slice(0, 5))}`);
  }
}
