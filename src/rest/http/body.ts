/**
 * Reads a request body from uWebSockets.js. uWS hands chunks as ArrayBuffers that are neutered
 * after the callback, so each is copied. A body over the limit rejects with 413 as soon as the
 * limit is crossed (or at once when Content-Length already says so), without buffering the rest.
 */
import type { HttpResponse } from 'uWebSockets.js';
import { ERRORS } from '../../errors.ts';

export function readBody(res: HttpResponse, limit: number, contentLength: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (contentLength !== undefined && Number(contentLength) > limit) {
      reject(ERRORS.payloadTooLarge(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    res.onData((chunk, isLast) => {
      if (failed) return;
      size += chunk.byteLength;
      if (size > limit) {
        failed = true;
        reject(ERRORS.payloadTooLarge(limit));
        return;
      }
      chunks.push(Buffer.from(Buffer.from(chunk))); // copy: the ArrayBuffer is reused by uWS
      if (isLast) resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
  });
}
