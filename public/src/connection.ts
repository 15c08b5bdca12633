/**
 * The Socket.IO connection of a page: token auth, jittered exponential backoff (so a server
 * restart is not met by every screen reconnecting at the same instant), and a live /
 * reconnecting / offline state for the indicator.
 */
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/realtime/contracts.ts';

export type ConnectionState = 'live' | 'reconnecting' | 'offline';
export type PageSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Gives the socket a new token (after a refresh) and reconnects with it; the page resyncs on connect. */
export function reauthenticate(socket: PageSocket, token: string): void {
  socket.auth = { ...(socket.auth as Record<string, unknown>), token };
  socket.disconnect().connect();
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
  socket.on('connect', () => onState('live'));
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
    if (code === 'token_invalid' || code === 'token_expired' || code === 'token_missing' || code === 'session_ended') onAuthFailed();
    else onState(navigator.onLine ? 'reconnecting' : 'offline');
  });
  window.addEventListener('offline', () => onState('offline'));
  window.addEventListener('online', () => onState(socket.connected ? 'live' : 'reconnecting'));
  return socket;
}
