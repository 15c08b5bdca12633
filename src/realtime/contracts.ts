/**
 * The Socket.IO contract (API.md "Realtime"), typed once and imported by the server, the tests
 * and the pages. Room names come from `rooms` only; clients cannot join or leave rooms.
 */
import type { Dashboard } from '../domain/dashboard/build.ts';

export interface BillCreatedMessage {
  seq: number;
  bill: {
    id: number;
    bill_number: string;
    total_amount: number;
    status: string;
    employee_id: number | null;
    customer_id: number | null;
    /** when the bill's transaction started (it committed a few milliseconds later) */
    created_at: string;
  };
}

export interface LoyaltyUpdateMessage {
  customer_id: number;
  available_points: number;
  lifetime_points: number;
  tier: string | null;
  tier_changed: boolean;
}

export interface DashboardUpdateMessage {
  seq: number;
  /**
   * The seq of the previous dashboard:update this shop's publisher sent (null for its first).
   * Updates are coalesced, so seq may jump by more than one; a client whose last seen seq is not
   * prev_seq has missed an update and calls dashboard:sync.
   */
  prev_seq: number | null;
  /** The parts of the dashboard that moved since the previous update, in the shape of GET /api/dashboard. */
  changes: Partial<Dashboard>;
}

export interface SettingsUpdateMessage {
  version: number;
  section: string;
  value: unknown;
}

export interface ErrorReply {
  error: { code: string; message: string };
}

export interface ServerToClientEvents {
  'dashboard:update': (m: DashboardUpdateMessage) => void;
  'bill:created': (m: BillCreatedMessage) => void;
  'loyalty:update': (m: LoyaltyUpdateMessage) => void;
  'product:updated': (m: { product: Record<string, unknown> }) => void;
  'settings:updated': (m: SettingsUpdateMessage) => void;
  'report:progress': (m: { id: string; progress: number }) => void;
  'report:ready': (m: { id: string; download_url: string }) => void;
}

export interface ClientToServerEvents {
  'dashboard:sync': (ack: (r: { seq: number; dashboard: Dashboard } | ErrorReply) => void) => void;
  'settings:ack': (m: { version: number }, ack?: (r: { ok: true } | ErrorReply) => void) => void;
}

export interface SocketData {
  kind: 'user' | 'terminal';
  id: number;
  shopId: number;
  role: 'owner' | 'manager' | 'cashier' | 'terminal';
}

export type RoomKind = 'managers' | 'cashiers' | 'terminals' | 'user';

/** The one place room names are made. */
export const rooms = {
  managers: (shopId: number) => `shop:${shopId}:managers`,
  cashiers: (shopId: number) => `shop:${shopId}:cashiers`,
  terminals: (shopId: number) => `shop:${shopId}:terminals`,
  /** one user's sockets (report progress goes to the requester only) */
  user: (shopId: number, userId: number) => `shop:${shopId}:user:${userId}`,
};

/** The rooms a principal's socket is put in. */
export function roomsFor(d: SocketData): string[] {
  if (d.kind === 'terminal') return [rooms.terminals(d.shopId)];
  const own = rooms.user(d.shopId, d.id);
  return d.role === 'cashier' ? [rooms.cashiers(d.shopId), own] : [rooms.managers(d.shopId), own];
}
