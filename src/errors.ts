/**
 * The error catalogue. Every error a client can see is created here, with a stable `code`,
 * an HTTP status and a message; `src/rest/http/server.ts` is the one place that turns it into
 * `{"error": {"code", "message", "details"}}` (details null when there are none).
 */

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface FieldError {
  field: string;
  message: string;
}

export const ERRORS = {
  ambiguousFraming: () =>
    new AppError(400, 'ambiguous_framing', 'The request framing is ambiguous: its Content-Length, Transfer-Encoding or a header line'),
  malformedJson: () => new AppError(400, 'malformed_json', 'The request body is not valid JSON'),
  validation: (details: FieldError[]) =>
    new AppError(400, 'validation_failed', 'The request is not valid', details),
  unauthenticated: (message = 'A valid bearer token is required') =>
    new AppError(401, 'unauthenticated', message),
  invalidCredentials: () => new AppError(401, 'invalid_credentials', 'Email or password is wrong'),
  forbidden: (message = 'Your role may not do this') => new AppError(403, 'forbidden', message),
  notFound: (what = 'Resource') => new AppError(404, 'not_found', `${what} not found`),
  routeNotFound: () => new AppError(404, 'route_not_found', 'No such route'),
  conflict: (message: string, details?: unknown) => new AppError(409, 'conflict', message, details),
  payloadTooLarge: (limit: number) =>
    new AppError(413, 'payload_too_large', `The request body exceeds ${limit} bytes`),
  unsupportedMediaType: () =>
    new AppError(415, 'unsupported_media_type', 'Send the body as application/json'),
  businessRule: (code: string, message: string, details?: unknown) =>
    new AppError(422, code, message, details),
  invalidReference: (message = 'A referenced record does not exist in this shop') =>
    new AppError(422, 'invalid_reference', message),
  rateLimited: (retryAfterSeconds: number) =>
    new AppError(429, 'rate_limited', 'Too many requests; try again later', undefined, {
      'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))),
    }),
  reportQueueFull: (limit: number) =>
    new AppError(429, 'report_queue_full', `This shop already has ${limit} reports waiting; request more when they are done`, { limit }, {
      'Retry-After': '30',
    }),
  /** PostgreSQL or Redis does not answer; the request may be retried (with its Idempotency-Key). */
  dependencyUnavailable: (dependencies: readonly string[]) =>
    new AppError(503, 'dependency_unavailable', `Unavailable for a moment: ${dependencies.join(' and ')} does not answer; retry shortly`, { dependencies }, {
      'Retry-After': '1',
    }),
  internal: () => new AppError(500, 'internal', 'Something went wrong on our side'),
} as const;
