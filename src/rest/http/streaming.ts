/**
 * Streams a file as the response body (uWebSockets.js's back-pressure pattern): each chunk goes
 * out with tryEnd; when the socket's buffer is full the read stream pauses until onWritable has
 * sent the rest of that chunk. An abort stops the read; a read error closes the connection, since
 * the status line is already gone.
 */
import { createReadStream } from 'node:fs';
import type { Logger } from '../../log.ts';
import type { Exchange } from './response.ts';
import type { FileReply } from './route.ts';

export function sendFile(ex: Exchange, file: FileReply, log: Logger): void {
  if (!ex.claim()) return;
  const { res } = ex;
  res.cork(() => {
    res.writeStatus('200 OK');
    for (const [k, v] of Object.entries({ 'Content-Type': file.contentType, ...file.headers })) res.writeHeader(k, v);
    if (file.size === 0) res.end();
  });
  if (file.size === 0) {
    ex.release(200);
    return;
  }
  const stream = createReadStream(file.path, { highWaterMark: 256 * 1024 });
  const end = (status: number) => {
    stream.destroy();
    ex.release(status);
  };
  ex.onAbort(() => stream.destroy());
  stream.on('data', (chunk) => {
    if (ex.aborted) return end(499);
    const ab = chunk as Buffer;
    const offset = res.getWriteOffset();
    let ok = false;
    let done = false;
    res.cork(() => {
      [ok, done] = res.tryEnd(ab, file.size);
    });
    if (done) return end(200);
    if (ok) return;
    stream.pause();
    res.onWritable((at) => {
      let sent = false;
      res.cork(() => {
        [sent, done] = res.tryEnd(ab.subarray(at - offset), file.size);
      });
      if (done) end(200);
      else if (sent) stream.resume();
      return sent;
    });
  });
  stream.on('error', (err) => {
    log.error({ route: ex.route, err: err.message }, 'file read failed mid-response');
    if (!ex.aborted) res.close();
    end(500);
  });
}
