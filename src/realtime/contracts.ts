/**
 * The Socket.IO contract (API.md "Realtime"), typed once and imported by the server, the tests
 * and the pages. Room names come from `rooms` only; clients cannot join or leave rooms.
 */
import type { Dashboard } from '../domain/dashboard/build.ts';
import type { ErrorCode } from '../errors.ts';

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

/**
 * A customer's loyalty account after a bill, a cancellation or a tier replacement that moved it
 * to another tier (a tier that is only renamed reaches clients as the loyalty section's
 * `settings:updated`).
 */
export interface LoyaltyUpdateMessage {
  customer_id: number;
  available_points: number;
  lifetime_points: number;
  /** the tier's name */
  tier: string | null;
  /** the account is on another tier than before this change: up after a bill, down after a cancellation, either way after a tier replacement */
  tier_changed: boolean;
}

export interface DashboardUpdateMessage {
  seq: number;
  /**
   * The seq of the shop's previous dashboard:update, whichever process sent it. When Redis lost
   * the chain (or a rebuild restarted it), the sending process's own previous update, which its
   * `changes` are taken against; null when there is none (the shop's first update). Updates are
   * coalesced, so seq may jump by more than one; a client whose last seen seq is not prev_seq has
   * missed an update and calls dashboard:sync.
   */
  prev_seq: number | null;
  /**
   * The parts of the dashboard that moved since the previous update, in the shape of
   * GET /api/dashboard (API.md): each part whole, so `{...dashboard, ...changes, seq}` is the new
   * dashboard. A client that says `series: 'moved'` in its handshake auth gets the series
   * (`daily`, `monthly`, `hourly`) with only their entries that moved, keyed by date, month and
   * hour: a bill moves one entry of each, and resending all 66 to every manager on every bill is
   * most of the push traffic. Such a client applies updates with `applyDashboardChanges` (which
   * takes either form). When the shop's date has moved (`changes.today.date` differs from the
   * client's), `changes` holds every part in full in both forms.
   */
  changes: Partial<Dashboard>;
}

/** The dashboard's series and the field that keys their entries. */
const SERIES = { daily: 'date', monthly: 'month', hourly: 'hour' } as const;
type SeriesName = keyof typeof SERIES;
type Entry = Record<string, unknown>;

/** Deep equality of JSON values (series entries are flat, so the common case is a few field reads). */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** What `dashboard:update` carries to take a client from `before` to `after` (see DashboardUpdateMessage.changes). */
export function dashboardChanges(before: Dashboard | undefined, after: Dashboard): Partial<Dashboard> {
  const changes: Record<string, unknown> = {};
  const full = !before || before.today.date !== after.today.date;
  for (const k of Object.keys(after) as (keyof Dashboard)[]) {
    if (k === 'seq') continue;
    if (full) {
      changes[k] = after[k];
    } else if (k in SERIES) {
      const key = SERIES[k as SeriesName];
      const old = new Map((before[k] as Entry[]).map((e) => [e[key], e]));
      const moved = (after[k] as Entry[]).filter((e) => !same(old.get(e[key]), e));
      if (moved.length > 0) changes[k] = moved;
    } else if (!same(before[k], after[k])) {
      changes[k] = after[k];
    }
  }
  return changes as Partial<Dashboard>;
}

/** `dashboardChanges` in the API.md form: every series that moved, whole (for clients that shallow-merge). */
export function withWholeSeries(changes: Partial<Dashboard>, after: Dashboard): Partial<Dashboard> {
  const whole: Record<string, unknown> = { ...changes };
  for (const k of Object.keys(SERIES) as SeriesName[]) if (k in changes) whole[k] = after[k];
  return whole as Partial<Dashboard>;
}

/** How a manager's socket wants the series of dashboard:update (DashboardUpdateMessage.changes). */
export type SeriesForm = 'whole' | 'moved';

/** The dashboard after an update: the inverse of `dashboardChanges` (and of `withWholeSeries`). */
export function applyDashboardChanges(base: Dashboard, changes: Partial<Dashboard>, seq: number): Dashboard {
  const next = { ...base, ...changes, seq } as Dashboard;
  if (changes.today && changes.today.date !== base.today.date) return next; // a new day: every part is in full
  for (const k of Object.keys(SERIES) as SeriesName[]) {
    const moved = changes[k] as Entry[] | undefined;
    if (!moved) continue;
    const key = SERIES[k];
    const byKey = new Map(moved.map((e) => [e[key], e]));
    (next as Record<SeriesName, Entry[]>)[k] = (base[k] as Entry[]).map((e) => byKey.get(e[key]) ?? e);
  }
  return next;
}

export interface SettingsUpdateMessage {
  version: number;
  section: string;
  value: unknown;
}

/** An event's refusal: the same `{error: {code, message, details}}` as an HTTP error (src/error-reply.ts). */
export interface ErrorReply {
  error: { code: ErrorCode; message: string; details: unknown };
}

/** Why the server ends a socket's session (API.md "Realtime": `session:ended`). */
export type SessionEndReason =
  | 'logout'
  | 'revoked'
  | 'deactivated'
  | 'role_changed'
  | 'password_changed'
  | 'expired'
  | 'too_many_sockets'
  | 'flooding';

export interface ServerToClientEvents {
  /** The socket's session ended; the server disconnects it right after. */
  'session:ended': (m: { reason: SessionEndReason }) => void;
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
  /** managers: the form of dashboard:update's series this socket asked for (handshake `auth.series`) */
  series: SeriesForm;
  /** the session of the handshake's token (sessions.id or the terminal's token_id) */
  sessionId: string;
  /** when the handshake's token expires (ms since epoch); terminals' tokens do not */
  expMs?: number;
  /** server-side: the authenticator's epoch when the handshake was checked (server.ts) */
  authEpoch?: number;
}

export type RoomKind = 'managers' | 'cashiers' | 'terminals' | 'user';

/** The one place room names are made. */
export const rooms = {
  managers: (shopId: number) => `shop:${shopId}:managers`,
  cashiers: (shopId: number) => `shop:${shopId}:cashiers`,
  terminals: (shopId: number) => `shop:${shopId}:terminals`,
  /** the managers whose dashboard:update carries the series in this form (each manager is in one) */
  dashboard: (shopId: number, form: SeriesForm) => `shop:${shopId}:dashboard:${form}`,
  /** one user's sockets (report progress goes to the requester only) */
  user: (shopId: number, userId: number) => `shop:${shopId}:user:${userId}`,
  /** the sockets of one user session (closed when it ends) */
  session: (sessionId: string) => `session:${sessionId}`,
  /** one terminal's sockets (closed when it is revoked) */
  terminal: (shopId: number, terminalId: number) => `shop:${shopId}:terminal:${terminalId}`,
};

/** The rooms a principal's socket is put in. */
export function roomsFor(d: SocketData): string[] {
  if (d.kind === 'terminal') return [rooms.terminals(d.shopId), rooms.terminal(d.shopId, d.id)];
  const own = [rooms.user(d.shopId, d.id), rooms.session(d.sessionId)];
  return d.role === 'cashier' ? [rooms.cashiers(d.shopId), ...own] : [rooms.managers(d.shopId), rooms.dashboard(d.shopId, d.series), ...own];
}
