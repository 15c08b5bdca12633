/**
 * Servers for the tests of the client patches (patches/postgres+3.4.9.patch,
 * patches/ioredis+6.0.0.patch): what a client's timeout must tell apart.
 *  - stallingProxy: a TCP proxy in this process that, once armed, hands the server's next answer
 *    to the client and then stalls the whole process, so the answer waits unread in the client's
 *    socket, as after a long GC. A timeout that fires then is this process's fault, not the
 *    server's.
 *  - silentServer: accepts connections and never answers: a timeout must fire.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface StallingProxy {
  /** The URL of `url` with its host and port replaced by the proxy's. */
  url: string;
  /** Stall for `ms` right after the next chunk the server sends. */
  arm(ms: number): void;
  /** True once an armed stall has happened. */
  stalled(): boolean;
  close(): Promise<void>;
}

export async function stallingProxy(url: string): Promise<StallingProxy> {
  const target = new URL(url);
  const server = { host: target.hostname, port: Number(target.port) };
  let armed: number | undefined;
  let done = false;
  const open: Socket[] = [];
  const proxy = createServer((client) => {
    const upstream = connect(server.port, server.host);
    open.push(client, upstream);
    client.pipe(upstream);
    upstream.on('data', (chunk) => {
      client.write(chunk);
      if (armed === undefined) return;
      const until = Date.now() + armed;
      armed = undefined;
      while (Date.now() < until); // nothing in this process runs; the answer sits in the socket
      done = true;
    });
    const both = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) s.on('error', () => {}).on('close', both);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const via = new URL(url);
  via.host = `127.0.0.1:${(proxy.address() as { port: number }).port}`;
  return {
    url: via.toString(),
    arm: (ms) => {
      armed = ms;
      done = false;
    },
    stalled: () => done,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((r) => proxy.close(r));
    },
  };
}

export async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  return {
    port: (silent.address() as { port: number }).port,
    close: async () => {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    },
  };
}
