/**
 * Route declarations. A route names its path, the roles allowed, and TypeBox schemas for params,
 * query and body; the handler's argument types come from those schemas, the same schemas
 * validate requests, and `GET /openapi.json` is generated from them (Fastify's habit).
 */
import type { Static, TSchema } from '@sinclair/typebox';
import type { Principal, PrincipalRole } from '../../domain/auth/index.ts';
import type { AppDeps } from '../../deps.ts';
import type { CacheDependency } from './read-cache.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RequestInfo {
  method: string;
  /** The route pattern, e.g. /api/products/:id (never the raw URL: it may hold customer data). */
  route: string;
  ip: string;
  header(name: string): string | undefined;
}

/** Who may call a route: 'public' needs no token; otherwise the roles allowed (others get 403). */
export type Auth = 'public' | readonly PrincipalRole[];

/** The caller as a handler sees it: none on a public route; on others, a principal of one of the route's roles. */
export type PrincipalFor<A extends Auth> = A extends readonly PrincipalRole[] ? Principal & { role: A[number] } : undefined;

export interface Ctx<P, Q, B, A extends Auth = Auth> {
  params: P;
  query: Q;
  body: B;
  principal: PrincipalFor<A>;
  req: RequestInfo;
  deps: AppDeps;
  /**
   * The per-token rate limit's decision. Awaited before the handler runs, unless the route says
   * `overlapRateLimit`: then the handler awaits it itself before it writes anything.
   */
  admitted: () => Promise<void>;
}

/** A non-default response: another status, headers, or a body that is not JSON. */
export class Reply {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
    /** When set, body is sent as is (string or Buffer) with this content type. */
    readonly contentType?: string,
  ) {}
}

/**
 * A file sent as the body (200), streamed from disk with back-pressure: the process holds a
 * chunk at a time however large the file (reports run to hundreds of megabytes).
 */
export class FileReply {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly contentType: string,
    readonly headers: Record<string, string> = {},
  ) {}
}

export interface RouteDef<P extends TSchema, Q extends TSchema, B extends TSchema, A extends Auth = Auth> {
  method: Method;
  path: string;
  summary: string;
  tag: string;
  auth: A;
  params?: P;
  query?: Q;
  body?: B;
  /** Status of a plain (non-Reply) result. Default 200. */
  status?: number;
  /** The success body's schema: documented in /openapi.json and used to serialise the answer (unnamed fields never leak). */
  response?: TSchema;
  /** The success body's media type when it is not JSON (files). */
  responseType?: string;
  /** What the success response is, when "Success" says too little. */
  responseDescription?: string;
  /** Business errors the route can answer besides those its declaration implies (400/401/403/404/413/415/429/503). */
  errors?: readonly (401 | 404 | 409 | 422 | 429 | 503)[];
  /** The route takes an Idempotency-Key header (API.md "Conventions"); documented in /openapi.json. */
  idempotent?: boolean;
  /** The OpenAPI operationId; default derived from method and path (openapi.ts operationIdOf). */
  operationId?: string;
  /** Skip the per-token rate limit (health and metrics probes). Default false. */
  noRateLimit?: boolean;
  /**
   * The handler reads before it writes and awaits `admitted()` in between, so the rate limit's
   * Redis round trip runs beside its read instead of before it (POST /api/bills, issue 20). A
   * handler that says so must await it before any write. Default false.
   */
  overlapRateLimit?: boolean;
  /**
   * Keep the written answer per node while these stand (read-cache.ts). Only for a read whose
   * answer depends on nothing but the caller's shop, kind and role, its params and query, and
   * the data those versions cover, answered as a plain body (no Reply). Default: not cached.
   */
  cache?: readonly CacheDependency[];
  handler: (ctx: Ctx<Static<P>, Static<Q>, Static<B>, A>) => Promise<unknown> | unknown;
}

export type AnyRoute = RouteDef<any, any, any, any>;

/** Declares a route; exists only so TypeScript infers the handler's types from the schemas and `auth`. */
export function route<P extends TSchema = TSchema, Q extends TSchema = TSchema, B extends TSchema = TSchema, const A extends Auth = Auth>(
  def: RouteDef<P, Q, B, A>,
): AnyRoute {
  return def as AnyRoute;
}
