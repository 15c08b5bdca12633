/**
 * Refuses requests whose framing a proxy in front could read differently than uWS does (request
 * smuggling): two Content-Length values, a Transfer-Encoding other than exactly `chunked`, both
 * together, and header lines uWS split oddly (bare LF, obs-fold). Both installed uWS builds hand
 * the first two shapes to handlers, using the first Content-Length and treating any
 * Transfer-Encoding as chunked, and parse what follows as a new request.
 *
 * guardFraming wraps the app's route-registration methods once, so every handler is guarded,
 * Socket.IO's (io.attachApp) included, whoever registers it.
 *
 * How it refuses: a refused request is left pending, never answered in the handler. Answering
 * in the handler cannot stop what is pipelined behind it: uWS parses on after `end(body, true)`
 * (the close waits for the socket to uncork) and `close()` drops the corked answer. A request
 * that arrives while one is pending makes uWS itself close the connection, unhandled; if none
 * arrives, the 400 goes out on the next turn of the event loop with `Connection: close`.
 */
import type { HttpRequest, HttpResponse, TemplatedApp, WebSocketBehavior } from 'uWebSockets.js';
import { ERRORS, errorBody } from '../../errors.ts';

/** Why a request was refused: one word per shape, for logs and tests. */
export type FramingFault = 'content_length' | 'transfer_encoding' | 'length_and_encoding' | 'header_line';

// RFC 9110 token characters; uWS lower-cases header names.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
// Field values may hold visible characters, spaces and tabs, nothing else below 0x20 and no DEL.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these control characters are what it looks for
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const DIGITS = /^[0-9]+$/;

/** The fault in a request's headers, if any (reads `req` synchronously, as uWS requires). */
export function framingFault(req: HttpRequest): FramingFault | undefined {
  let lengths = 0;
  let encodings = 0;
  let fault: FramingFault | undefined;
  req.forEach((name, value) => {
    if (fault) return;
    if (!TOKEN.test(name) || BAD_VALUE.test(value)) fault = 'header_line';
    else if (name === 'content-length') {
      lengths++;
      if (lengths > 1 || !DIGITS.test(value)) fault = 'content_length';
    } else if (name === 'transfer-encoding') {
      encodings++;
      if (encodings > 1 || value !== 'chunked') fault = 'transfer_encoding';
    }
  });
  if (!fault && lengths > 0 && encodings > 0) fault = 'length_and_encoding';
  return fault;
}

const BODY = JSON.stringify(errorBody(ERRORS.ambiguousFraming()));

/** Leaves the request pending and answers 400 with Connection: close once uWS has parsed past it. */
function refuse(res: HttpResponse): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  setImmediate(() => {
    if (aborted) return;
    res.cork(() => {
      res.writeStatus('400 Bad Request');
      res.writeHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(BODY, true);
    });
  });
}

type Handler = (res: HttpResponse, req: HttpRequest) => void | Promise<void>;
const METHODS = ['get', 'post', 'put', 'patch', 'del', 'options', 'head', 'connect', 'trace', 'any'] as const;

/**
 * Guards every handler registered on `app` from now on; returns the same app. `onRefused` hears
 * of each refusal (for the log), before anything is answered.
 */
export function guardFraming<T extends TemplatedApp>(app: T, onRefused?: (fault: FramingFault) => void): T {
  const guard =
    (handler: Handler): Handler =>
    (res, req) => {
      const fault = framingFault(req);
      if (!fault) return handler(res, req);
      onRefused?.(fault);
      refuse(res);
    };
  const target = app as unknown as Record<string, (pattern: string, handler: Handler) => T>;
  for (const method of METHODS) {
    const register = target[method]!.bind(app);
    target[method] = (pattern, handler) => register(pattern, guard(handler));
  }
  // A WebSocket upgrade is an HTTP request too (Socket.IO registers one).
  const ws = app.ws.bind(app);
  (app as TemplatedApp).ws = <U>(pattern: string, behavior: WebSocketBehavior<U>) => {
    // Without an upgrade handler uWS upgrades by itself, unguarded: do what it would do.
    const upgrade =
      behavior.upgrade ??
      ((res, req, context) =>
        res.upgrade(
          {},
          req.getHeader('sec-websocket-key'),
          req.getHeader('sec-websocket-protocol'),
          req.getHeader('sec-websocket-extensions'),
          context,
        ));
    return ws(pattern, {
      ...behavior,
      upgrade: (res, req, context) => {
        const fault = framingFault(req);
        if (!fault) return upgrade(res, req, context);
        onRefused?.(fault);
        refuse(res);
      },
    });
  };
  return app;
}
