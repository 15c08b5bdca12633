/** socket.io-client helpers for tests: typed sockets, connect or fail, collect events. */
import { io as connectIo, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/contracts.ts';
import { env } from './env.ts';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const opened: ClientSocket[] = [];

export function openSocket(token: string | undefined, url = env().baseUrl, extra: Record<string, unknown> = {}): ClientSocket {
  const s: ClientSocket = connectIo(url, {
    auth: token === undefined ? {} : { token },
    transports: ['websocket'],
    forceNew: true,
    reconnectionDelay: 100,
    reconnectionDelayMax: 500,
    randomizationFactor: 0.5,
    ...extra,
  });
  opened.push(s);
  return s;
}

/** Resolves with the socket once connected; rejects with the connect_error's data.code. */
export function connected(s: ClientSocket, timeoutMs = 5000): Promise<ClientSocket> {
  return new Promise((resolve, reject) => {
    if (s.connected) return resolve(s);
    const t = setTimeout(() => reject(new Error('connect timeout')), timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      resolve(s);
    });
    s.once('connect_error', (err: Error & { data?: { code?: string } }) => {
      clearTimeout(t);
      reject(Object.assign(new Error(err.data?.code ?? err.message), { code: err.data?.code }));
    });
  });
}

export async function connect(token: string, url?: string): Promise<ClientSocket> {
  return connected(openSocket(token, url));
}

/** Records every event a socket receives. */
export function record(s: ClientSocket): { name: string; args: any[] }[] {
  const seen: { name: string; args: any[] }[] = [];
  s.onAny((name: string, ...args: any[]) => seen.push({ name, args }));
  return seen;
}

export function sync(s: ClientSocket): Promise<any> {
  return new Promise((resolve) => s.emit('dashboard:sync', (r: any) => resolve(r)));
}

/** Waits for `check`; `what` names it in the error, a function being asked only then (for the state at the timeout). */
export async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what: string | (() => string | Promise<string>) = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : await what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function closeAllSockets(): void {
  for (const s of opened.splice(0)) s.disconnect();
}
