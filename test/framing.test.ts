/**
 * Request smuggling: requests whose framing a proxy could read differently are refused before any
 * handler runs, and nothing pipelined behind them is handled. Raw sockets (node:net), since HTTP
 * clients will not send these shapes. Runs on whichever uWS build the loader picked.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { us_listen_socket, us_socket } from 'uWebSockets.js';
import { type FramingFault, guardFraming } from '../src/rest/http/framing.ts';
import uWS, { uwsBuild } from '../src/rest/http/uws.ts';
import { env } from './support/env.ts';

const HEAD = 'POST /a HTTP/1.1\r\nHost: x\r\n';
const CHUNKED_BODY = '5\r\nhello\r\n0\r\n\r\n';

/** Each shape; `ours` when the guard (not uWS itself) must be the one refusing it on every build. */
const SHAPES: { name: string; raw: string; ours: boolean }[] = [
  { name: 'two Content-Length headers', raw: `${HEAD}Content-Length: 5\r\nContent-Length: 40\r\n\r\nhello`, ours: true },
  { name: 'a Content-Length list', raw: `${HEAD}Content-Length: 5, 40\r\n\r\nhello`, ours: false },
  { name: 'Transfer-Encoding: xchunked', raw: `${HEAD}Transfer-Encoding: xchunked\r\n\r\n${CHUNKED_BODY}`, ours: true },
  { name: 'Transfer-Encoding: gzip, chunked', raw: `${HEAD}Transfer-Encoding: gzip, chunked\r\n\r\n${CHUNKED_BODY}`, ours: true },
  { name: 'Transfer-Encoding: Chunked', raw: `${HEAD}Transfer-Encoding: Chunked\r\n\r\n${CHUNKED_BODY}`, ours: true },
  { name: 'two Transfer-Encoding headers', raw: `${HEAD}Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, ours: true },
  { name: 'Content-Length with Transfer-Encoding', raw: `${HEAD}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}`, ours: false },
  { name: 'a bare LF inside the headers', raw: `${HEAD}X-A: a\nContent-Length: 5\r\n\r\nhello`, ours: false },
  { name: 'bare LF line ends', raw: 'POST /a HTTP/1.1\nHost: x\nContent-Length: 5\n\nhello', ours: false },
  { name: 'an obs-fold (space)', raw: `${HEAD}X-A: a\r\n b\r\nContent-Length: 5\r\n\r\nhello`, ours: false },
  { name: 'an obs-fold (tab)', raw: `${HEAD}X-A: a\r\n\tContent-Length: 5\r\n\r\nhello`, ours: false },
];

/** Sends `raw`, half-closes after a while, and resolves with all the server wrote until it closed. */
function exchange(port: number, raw: string, waitMs = 300): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => socket.destroy(), 3000);
    socket.on('data', (d) => {
      out += d.toString('latin1');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // a reset after the server closed is the close this test wants
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    socket.write(raw);
    setTimeout(() => socket.end(), waitMs);
  });
}

const statuses = (out: string) => [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => Number(m[1]));

describe('request framing (smuggling)', () => {
  describe(`a bare app with the guard (${uwsBuild?.package} ${uwsBuild?.version}, uWS ${uwsBuild?.upstream})`, () => {
    let listen: us_listen_socket;
    let port: number;
    let handled: string[] = [];
    const refused: FramingFault[] = [];

    before(async () => {
      const app = guardFraming(uWS.App(), (fault) => refused.push(fault));
      app.any('/*', (res, req) => {
        handled.push(req.getUrl());
        res.onAborted(() => {});
        res.onData((_chunk, last) => {
          if (last) res.cork(() => res.end('ok'));
        });
      });
      port = await new Promise((resolve, reject) =>
        app.listen('127.0.0.1', 0, (s) => {
          if (!s) return reject(new Error('listen failed'));
          listen = s;
          resolve(uWS.us_socket_local_port(s as unknown as us_socket));
        }),
      );
    });
    after(() => uWS.us_listen_socket_close(listen));
    beforeEach(() => {
      handled = [];
    });

    it('handles a clean request and the one pipelined behind it (the control)', async () => {
      const out = await exchange(port, `${HEAD}Transfer-Encoding: chunked\r\n\r\n${CHUNKED_BODY}GET /after HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.deepEqual(handled, ['/a', '/after']);
      assert.deepEqual(statuses(out), [200, 200]);
    });

    for (const shape of SHAPES) {
      it(`refuses ${shape.name} and never handles the request pipelined behind it`, async () => {
        const out = await exchange(port, `${shape.raw}GET /after HTTP/1.1\r\nHost: x\r\n\r\n`);
        assert.deepEqual(handled, [], `handlers ran for ${handled.join(', ')}; the server wrote ${JSON.stringify(out)}`);
        // Nothing but a refusal: a 400 at most, then the connection closes.
        assert.ok(statuses(out).every((s) => s === 400 || s === 505), JSON.stringify(out));
      });

      it(`answers ${shape.name} alone with 400 and closes the connection`, async () => {
        const before = refused.length;
        const out = await exchange(port, shape.raw);
        assert.deepEqual(handled, []);
        if (shape.ours) {
          assert.equal(refused.length, before + 1, 'the guard refused it');
          assert.match(out, /^HTTP\/1\.1 400 /);
          assert.match(out, /Connection: close/i);
          assert.match(out, /"code":"ambiguous_framing"/);
        } else {
          // uWS refuses these itself on at least one build: by a 400 (or 505) or by closing.
          assert.ok(out === '' || /^HTTP\/1\.1 (400|505) /.test(out), JSON.stringify(out));
        }
      });
    }
  });

  describe('the service', () => {
    const port = () => Number(new URL(env().baseUrl).port);

    async function healthzCount(): Promise<number> {
      const text = await env().deps.metrics.registry.getSingleMetricAsString('http_requests_total');
      return [...text.matchAll(/^http_requests_total\{[^}]*route="\/healthz"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
    }

    const routes = [
      ['a REST route', 'POST /api/v1/auth/login HTTP/1.1'],
      ['Socket.IO polling (attachApp)', 'POST /socket.io/?EIO=4&transport=polling HTTP/1.1'],
      ['the catch-all 404', 'POST /no-such-route HTTP/1.1'],
    ] as const;
    const shapes = [
      ['two Content-Length headers', 'Content-Length: 5\r\nContent-Length: 40\r\n\r\nhello'],
      ['Transfer-Encoding: gzip, chunked', `Transfer-Encoding: gzip, chunked\r\n\r\n${CHUNKED_BODY}`],
    ] as const;

    for (const [where, line] of routes) {
      for (const [shape, rest] of shapes) {
        it(`refuses ${shape} on ${where} and handles nothing pipelined behind it`, async () => {
          const raw = `${line}\r\nHost: x\r\n${rest}`;
          const alone = await exchange(port(), raw);
          assert.match(alone, /^HTTP\/1\.1 400 /);
          assert.match(alone, /"code":"ambiguous_framing"/);

          const before = await healthzCount();
          const out = await exchange(port(), `${raw}GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n`);
          assert.deepEqual(statuses(out).filter((s) => s !== 400), [], JSON.stringify(out));
          assert.equal(await healthzCount(), before, 'the pipelined /healthz reached its handler');
        });
      }
    }

    it('refuses a WebSocket upgrade (Socket.IO) with two Content-Length headers', async () => {
      const out = await exchange(
        port(),
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nContent-Length: 0\r\nContent-Length: 0\r\n\r\n',
      );
      assert.match(out, /^HTTP\/1\.1 400 /);
      assert.doesNotMatch(out, /101 Switching/);
    });
  });
});
