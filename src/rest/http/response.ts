/**
 * One request's response side, as one typed object: whether the client is gone, whether an
 * answer went out, when it started, and the one way to answer (corked, counted in /metrics,
 * logged at debug, released from the in-flight count exactly once). Nothing is stored on uWS's
 * native response object.
 */
import { STATUS_CODES } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpResponse } from 'uWebSockets.js';
import type { AppDeps } from '../../deps.ts';
import { httpError } from '../../error-reply.ts';
import type { Inflight } from './inflight.ts';

export const JSON_HEADERS: Readonly<Record<string, string>> = { 'Content-Type': 'application/json; charset=utf-8' };

type ExchangeDeps = Pick<AppDeps, 'log' | 'metrics'>;

export class Exchange {
  /** The client went away; nothing more may be written. */
  aborted = false;
  /** An answer has started (or the client is gone): a second answer is dropped. */
  answered = false;
  readonly started = performance.now();
  private released = false;
  private readonly abortListeners: (() => void)[] = [];

  constructor(
    readonly res: HttpResponse,
    readonly method: string,
    /** The route pattern (never the raw URL: it may hold customer data). */
    readonly route: string,
    private readonly deps: ExchangeDeps,
    private readonly inflight: Inflight,
  ) {
    inflight.start();
    res.onAborted(() => {
      this.aborted = true;
      this.answered = true;
      for (const l of this.abortListeners.splice(0)) l();
      this.release(499);
    });
  }

  /** Runs `listener` if the client goes away before the exchange is released. */
  onAbort(listener: () => void): void {
    this.abortListeners.push(listener);
  }

  /** Answers with a body in one corked write; `closeConnection` for a client that may still be sending. */
  send(status: number, headers: Record<string, string>, body: string | Buffer, closeConnection = false): void {
    if (this.answered) return;
    this.answered = true;
    this.res.cork(() => {
      this.res.writeStatus(`${status} ${STATUS_CODES[status] ?? ''}`);
      for (const [k, v] of Object.entries(headers)) this.res.writeHeader(k, v);
      this.res.end(body, closeConnection);
    });
    this.release(status);
  }

  /** Answers JSON, written by `serialize` (the route's compiled schema) when there is one. */
  json(status: number, body: unknown, headers: Record<string, string> = {}, serialize?: (body: unknown) => string): void {
    const text = status === 204 || body === undefined ? '' : serialize ? serialize(body) : JSON.stringify(body);
    this.send(status, { ...JSON_HEADERS, ...headers }, text);
  }

  /** Answers with the catalogue's error for anything thrown (src/error-reply.ts). */
  fail(err: unknown): void {
    if (this.answered) return;
    const e = httpError(err, this.deps.log, this.route);
    // 413: the client may still be sending; close the connection after answering instead of reading on.
    this.send(e.status, { ...JSON_HEADERS, ...e.headers }, JSON.stringify(e.body), e.status === 413);
  }

  /**
   * Claims the exchange for a streamed answer (streaming.ts), which calls release() itself when
   * the last byte is out. False when an answer already went out or the client is gone.
   */
  claim(): boolean {
    if (this.answered) return false;
    this.answered = true;
    return true;
  }

  /** Counts the request in /metrics and the log, and ends it in the in-flight count, once. */
  release(status: number): void {
    if (this.released) return;
    this.released = true;
    this.inflight.end();
    const seconds = (performance.now() - this.started) / 1000;
    this.deps.metrics.observe(this.method, this.route, status, seconds);
    this.deps.log.debug({ method: this.method, route: this.route, status, ms: Math.round(seconds * 1000) }, 'request');
  }
}
