/**
 * The one mapping from anything thrown to the catalogue (src/errors.ts), and from there to the
 * three wire shapes a client sees:
 *   HTTP                   status + `{"error": {"code", "message", "details"}}`   (httpError)
 *   Socket.IO handshake    `connect_error` with `data: {code, message, details}`  (handshakeError)
 *   Socket.IO ack          `{error: {code, message, details}}`                    (ackError)
 * A Postgres constraint, a dropped connection or an unexpected bug therefore reads the same on
 * every transport; only unexpected ones are logged here (with no request data).
 */
import { isConnectionError, mapPgError } from './db/errors.ts';
import { AppError, type ErrorBody, ERRORS, errorBody } from './errors.ts';
import type { Logger } from './log.ts';
import { isRedisUnavailable } from './redis/client.ts';

/** Maps a thrown value to the catalogue. `where` names the route or event in the log line. */
export function toAppError(err: unknown, log: Logger, where: string): AppError {
  if (err instanceof AppError) return err;
  const mapped = mapPgError(err);
  if (mapped) return mapped;
  if (isConnectionError(err) || isRedisUnavailable(err)) {
    const dependency = isRedisUnavailable(err) ? 'redis' : 'postgres';
    log.error({ where, code: (err as { code?: string }).code, dependency }, 'backing service unavailable');
    return ERRORS.dependencyUnavailable([dependency]);
  }
  log.error({ where, err }, 'unhandled error');
  return ERRORS.internal();
}

/** What an HTTP response carries for a thrown value. */
export function httpError(err: unknown, log: Logger, where: string): { status: number; headers: Record<string, string>; body: ErrorBody } {
  const e = toAppError(err, log, where);
  return { status: e.status, headers: e.headers ?? {}, body: errorBody(e) };
}

/** The Error a Socket.IO middleware passes to next(): the client's connect_error carries `data`. */
export function handshakeError(err: unknown, log: Logger, where = 'socket handshake'): Error & { data: ErrorBody['error'] } {
  const e = toAppError(err, log, where);
  return Object.assign(new Error(e.message), { data: errorBody(e).error });
}

/** The reply an event's acknowledgement carries for a thrown value. */
export function ackError(err: unknown, log: Logger, where: string): ErrorBody {
  return errorBody(toAppError(err, log, where));
}
