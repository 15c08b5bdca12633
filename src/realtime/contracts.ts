/**
 * The Socket.IO contract (API.md "Realtime"), typed once and imported by the server, the tests
 * and the pages. Room names come from `rooms` only; clients cannot join or leave rooms.
 */
import type { Static } from '@sinclair/typebox';
import type { Dashboard } from '../domain/dashboard/index.ts';
import type {
  BillCreatedSchema,
  DashboardSyncReplySchema,
  DashboardUpdateSchema,
  ErrorReplySchema,
  LoyaltyUpdateSchema,
  SERVER_EVENTS,
  SessionEndReasonSchema,
  SettingsAckReplySchema,
  SettingsAckSchema,
  SettingsUpdateSchema,
} from './schemas.ts';

// The payload types come from the event schemas (schemas.ts), which /asyncapi.json is built from.
// Type-only imports: the pages bundle this module without TypeBox.
export type BillCreatedMessage = Static<typeof BillCreatedSchema>;
/**
 * A customer's loyalty account after a bill, a cancellation or a tier replacement that moved it
 * to another tier (a tier that is only renamed reaches clients as the loyalty section's
 * `settings:updated`).
 */
export type LoyaltyUpdateMessage = Static<typeof LoyaltyUpdateSchema>;
/**
 * `seq`: the shop's applied seq. `prev_seq`: the seq of the shop's previous dashboard:update,
 * whichever process sent it (when Redis lost the chain, the sending process's own previous
 * update, which its `changes` are taken against; null when there is none). Updates are
 * coalesced, so seq may jump by more than one; a client whose last seen seq is not prev_seq has
 * missed an update and calls dashboard:sync.
 *
 * `changes`: the parts of the dashboard that moved since the previous update, in the shape of
 * GET /api/dashboard (API.md): each part whole, so `{...dashboard, ...changes, seq}` is the new
 * dashboard. A client that says `series: 'moved'` in its handshake auth gets the series
 * (`daily`, `monthly`, `hourly`) with only their entries that moved, keyed by date, month and
 * hour: a bill moves one entry of each, and resending all 66 to every manager on every bill is
 * most of the push traffic. Such a client applies updates with `applyDashboardChanges` (which
 * takes either form). When the shop's date has moved (`changes.today.date` differs from the
 * client's), `changes` holds every part in full in both forms.
 */
export type DashboardUpdateMessage = Static<typeof DashboardUpdateSchema>;

/** The dashboard's series and the field that keys their entries. */
const SERIES = { daily: 'date', monthly: 'month', hourly: 'hour' } as const;
type SeriesName = keyof typeof SERIES;
type Entry = Record<string, unknown>;

/**
 * Deep equality of JSON values (series entries are flat, so the common case is a few field reads).
 * It allocates nothing: the publisher compares a whole dashboard per bill, and key arrays for each
 * of its ~100 objects were a tenth of what a push allocated (issue 20, heap sampling).
 */
function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!same(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let keys = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k)) continue;
    if (!Object.hasOwn(y, k) || !same(x[k], y[k])) return false;
    keys++;
  }
  for (const k in y) if (Object.hasOwn(y, k)) keys--;
  return keys === 0;
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
      const moved = movedEntries(before[k] as Entry[], after[k] as Entry[], SERIES[k as SeriesName]);
      if (moved.length > 0) changes[k] = moved;
    } else if (!same(before[k], after[k])) {
      changes[k] = after[k];
    }
  }
  return changes as Partial<Dashboard>;
}

/**
 * The entries of `after` that are not in `before` as they are, matched by `key`. Within one day
 * both series hold the same keys in the same order, so entries are matched by position, and by
 * key (a map) only where the positions disagree.
 */
function movedEntries(before: Entry[], after: Entry[], key: string): Entry[] {
  const moved: Entry[] = [];
  let byKey: Map<unknown, Entry> | undefined;
  for (let i = 0; i < after.length; i++) {
    const e = after[i]!;
    let old: Entry | undefined = before[i];
    if (old === undefined || old[key] !== e[key]) {
      byKey ??= new Map(before.map((b) => [b[key], b]));
      old = byKey.get(e[key]);
    }
    if (!same(old, e)) moved.push(e);
  }
  return moved;
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

export type SettingsUpdateMessage = Static<typeof SettingsUpdateSchema>;

/** An event's refusal: the same `{error: {code, message, details}}` as an HTTP error (src/error-reply.ts). */
export type ErrorReply = Static<typeof ErrorReplySchema>;

/** Why the server ends a socket's session (API.md "Realtime": `session:ended`). */
export type SessionEndReason = Static<typeof SessionEndReasonSchema>;

/** Server → client events, one per entry of SERVER_EVENTS (schemas.ts says who receives each). */
export type ServerToClientEvents = {
  [E in keyof typeof SERVER_EVENTS]: (m: Static<(typeof SERVER_EVENTS)[E]['payload']>) => void;
};

/** Client → server events (CLIENT_EVENTS), each answered through its acknowledgement. */
export interface ClientToServerEvents {
  'dashboard:sync': (ack: (r: Static<typeof DashboardSyncReplySchema>) => void) => void;
  'settings:ack': (m: Static<typeof SettingsAckSchema>, ack?: (r: Static<typeof SettingsAckReplySchema>) => void) => void;
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
