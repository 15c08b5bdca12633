/**
 * The Socket.IO connection of a page: token auth, jittered exponential backoff (so a server
 * restart is not met by every screen reconnecting at the same instant), and a live /
 * reconnecting / offline state for the indicator.
 *
 * socket.io-client retries a lost transport by itself, but not a handshake the server refused
 * (its auth middleware answered connect_error): the socket is then left inactive. A refusal for
 * the token (AUTH_FAILURES) signs the page out; any other is transient (dependency_unavailable
 * while PostgreSQL or Redis is away, rate_limited in a reconnect storm, internal) and is tried
 * again here with the same jittered backoff, so a blip never leaves a screen offline until reload.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/contracts.ts';

export type ConnectionState = 'live' | 'reconnecting' | 'offline';
export type PageSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** connect_error codes after which the same token will not be let in: sign in anew. */
const AUTH_FAILURES: ReadonlySet<string> = new Set(['token_invalid', 'token_expired', 'token_missing', 'session_ended']);
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 10_000;

/** A pending retry of a refused handshake, per socket. */
const retries = new WeakMap<PageSocket, ReturnType<typeof setTimeout>>();

function cancelRetry(socket: PageSocket): void {
  clearTimeout(retries.get(socket));
  retries.delete(socket);
}

/** Gives the socket a new token (after a refresh) and reconnects with it; the page resyncs on connect. */
export function reauthenticate(socket: PageSocket, token: string): void {
  cancelRetry(socket);
  socket.auth = { ...(socket.auth as Record<string, unknown>), token };
  socket.disconnect().connect();
}

/** Closes the page's connection for good (sign-out), a pending retry included. */
export function closeConnection(socket: PageSocket): void {
  cancelRetry(socket);
  socket.disconnect();
}

export function openConnection(token: string, onState: (s: ConnectionState) => void, onAuthFailed: () => void): PageSocket {
  const socket: PageSocket = io({
    // series: 'moved' — dashboard:update carries only the chart entries that moved; the page
    // applies them with applyDashboardChanges (contracts.ts)
    auth: { token, series: 'moved' },
    transports: ['websocket'],
    reconnectionDelay: 500,
    reconnectionDelayMax: 10_000,
    randomizationFactor: 0.5,
  });
  let refusals = 0;
  socket.on('connect', () => {
    refusals = 0;
    onState('live');
  });
  // the server ended the session (logout elsewhere, deactivated, expired...): it will not take
  // this token again, so sign in anew rather than retry
  socket.on('session:ended', (m) => {
    if (m.reason !== 'too_many_sockets' && m.reason !== 'flooding') onAuthFailed();
  });
  socket.on('disconnect', () => onState(navigator.onLine ? 'reconnecting' : 'offline'));
  socket.io.on('reconnect_attempt', () => onState(navigator.onLine ? 'reconnecting' : 'offline'));
  socket.io.on('reconnect_failed', () => onState('offline'));
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    const code = err.data?.code;
    if (code !== undefined && AUTH_FAILURES.has(code)) {
      onAuthFailed();
      return;
    }
    onState(navigator.onLine ? 'reconnecting' : 'offline');
    // active: the client is still retrying the transport itself; inactive: the server refused
    if (socket.active) return;
    const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** refusals++) * (0.5 + Math.random() / 2);
    cancelRetry(socket);
    retries.set(
      socket,
      setTimeout(() => {
        retries.delete(socket);
        if (!socket.active) socket.connect();
      }, delay),
    );
  });
  window.addEventListener('offline', () => onState('offline'));
  window.addEventListener('online', () => onState(socket.connected ? 'live' : 'reconnecting'));
  return socket;
}
