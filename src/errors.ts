/**
 * The error catalogue. Every error a client can see has a stable `code` from ERROR_STATUS, which
 * also fixes its HTTP status; a new code is one line there, and the compiler then refuses any
 * code that is not in it. `src/error-reply.ts` is the one place that turns a thrown value into
 * the wire shape, for HTTP (`{"error": {"code", "message", "details"}}`), Socket.IO handshakes
 * (`connect_error` with `data`) and Socket.IO acks (`{error}`).
 */

/** Every error code a client can receive, with the HTTP status it answers with. */
export const ERROR_STATUS = {
  // 400: the request itself is malformed
  ambiguous_framing: 400,
  malformed_json: 400,
  validation_failed: 400,
  // 401: who is asking is unknown
  unauthenticated: 401,
  token_missing: 401,
  token_invalid: 401,
  token_expired: 401,
  session_ended: 401,
  invalid_credentials: 401,
  // 403, 404, 409, 413, 415
  forbidden: 403,
  not_found: 404,
  route_not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  // 422: well-formed, but a business rule refuses it (ERRORS.businessRule)
  invalid_reference: 422,
  constraint_violated: 422,
  unknown_payment_method: 422,
  already_generated: 422,
  bill_cancelled: 422,
  overpayment: 422,
  idempotency_key_reused: 422,
  bill_total_too_large: 422,
  no_vat_rate: 422,
  customer_required: 422,
  payment_required: 422,
  loyalty_disabled: 422,
  redemption_below_minimum: 422,
  insufficient_points: 422,
  redemption_over_limit: 422,
  // the counter (issue 17): offline bills and cashier PINs
  offline_too_old: 422,
  stale_price: 422,
  not_a_cashier: 422,
  wrong_pin: 422,
  no_pin_session: 422,
  pin_session_open: 422,
  last_owner: 422,
  weak_password: 422,
  wrong_password: 422,
  recipient_not_confirmed: 422,
  too_many_recipients: 422,
  // 429: a budget is spent
  rate_limited: 429,
  report_queue_full: 429,
  // 5xx: our side
  internal: 500,
  dependency_unavailable: 503,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof ERROR_STATUS;
/** The codes a business rule may refuse with (422). */
export type RuleCode = { [C in ErrorCode]: (typeof ERROR_STATUS)[C] extends 422 ? C : never }[ErrorCode];

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    /** Extra response headers, e.g. Retry-After on 429. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export interface FieldError {
  field: string;
  message: string;
}

export const ERRORS = {
  ambiguousFraming: () => new AppError('ambiguous_framing', 'The request framing is ambiguous: its Content-Length, Transfer-Encoding or a header line'),
  malformedJson: () => new AppError('malformed_json', 'The request body is not valid JSON'),
  validation: (details: FieldError[]) => new AppError('validation_failed', 'The request is not valid', details),
  unauthenticated: (message = 'A valid bearer token is required') => new AppError('unauthenticated', message),
  invalidCredentials: () => new AppError('invalid_credentials', 'Email or password is wrong'),
  forbidden: (message = 'Your role may not do this') => new AppError('forbidden', message),
  notFound: (what = 'Resource') => new AppError('not_found', `${what} not found`),
  routeNotFound: () => new AppError('route_not_found', 'No such route'),
  conflict: (message: string, details?: unknown) => new AppError('conflict', message, details),
  payloadTooLarge: (limit: number) => new AppError('payload_too_large', `The request body exceeds ${limit} bytes`),
  unsupportedMediaType: () => new AppError('unsupported_media_type', 'Send the body as application/json'),
  businessRule: (code: RuleCode, message: string, details?: unknown) => new AppError(code, message, details),
  invalidReference: (message = 'A referenced record does not exist in this shop') => new AppError('invalid_reference', message),
  rateLimited: (retryAfterSeconds: number, message = 'Too many requests; try again later') =>
    new AppError('rate_limited', message, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) }),
  reportQueueFull: (limit: number) =>
    new AppError('report_queue_full', `This shop already has ${limit} reports waiting; request more when they are done`, { limit }, { 'Retry-After': '30' }),
  /** PostgreSQL or Redis does not answer; the request may be retried (with its Idempotency-Key). */
  dependencyUnavailable: (dependencies: readonly string[]) =>
    new AppError('dependency_unavailable', `Unavailable for a moment: ${dependencies.join(' and ')} does not answer; retry shortly`, { dependencies }, { 'Retry-After': '1' }),
  internal: () => new AppError('internal', 'Something went wrong on our side'),
} as const;

/** The body every transport carries for an error. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: unknown };
}

/** `details` is always there (null when there are none): API.md's error shape has the key. */
export function errorBody(e: AppError): ErrorBody {
  return { error: { code: e.code, message: e.message, details: e.details ?? null } };
}
