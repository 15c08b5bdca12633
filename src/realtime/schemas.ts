/**
 * The Socket.IO contract as schemas: one entry per event, with its payload (and its ack), who
 * receives it, and a line on what it means. contracts.ts takes its types from here, and
 * asyncapi.ts builds `/asyncapi.json` from the same entries, so the two cannot disagree.
 */
import { type TSchema, Type } from '@sinclair/typebox';
import { DashboardSchema } from '../domain/dashboard/index.ts';
import { ERROR_STATUS } from '../errors.ts';

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);

export const ErrorReplySchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Unsafe<keyof typeof ERROR_STATUS>({ type: 'string', enum: Object.keys(ERROR_STATUS) }),
      message: Type.String(),
      details: Type.Unknown(),
    }),
  },
  { description: 'The refusal: the same envelope as an HTTP error' },
);

export const SessionEndReasonSchema = Type.Union([
  Type.Literal('logout'),
  Type.Literal('revoked'),
  Type.Literal('deactivated'),
  Type.Literal('role_changed'),
  Type.Literal('password_changed'),
  Type.Literal('expired'),
  Type.Literal('too_many_sockets'),
  Type.Literal('flooding'),
]);

export const BillCreatedSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  bill: Type.Object({
    id: Type.Integer(),
    bill_number: Type.String(),
    total_amount: Type.Number(),
    status: Type.String(),
    employee_id: Nullable(Type.Integer()),
    customer_id: Nullable(Type.Integer()),
    created_at: Type.String({ format: 'date-time', description: "when the bill's transaction started (it committed a few milliseconds later)" }),
  }),
});

export const LoyaltyUpdateSchema = Type.Object({
  customer_id: Type.Integer(),
  available_points: Type.Integer(),
  lifetime_points: Type.Integer(),
  tier: Nullable(Type.String({ description: "the tier's name" })),
  tier_changed: Type.Boolean({ description: 'the account is on another tier than before this change' }),
});

export const DashboardUpdateSchema = Type.Object({
  seq: Type.Integer({ minimum: 1 }),
  prev_seq: Nullable(Type.Integer({ description: "the seq of the shop's previous dashboard:update; a client whose last seq is not this one calls dashboard:sync" })),
  changes: Type.Partial(DashboardSchema, {
    description: "the dashboard's parts that moved, each whole (series whole, or only their moved entries for a socket that said series: 'moved')",
  }),
});

export const SettingsUpdateSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  section: Type.String({ description: 'shop_info, billing_config, payment_methods, locale, vat_rates or loyalty' }),
  value: Type.Unknown({ description: 'the section as GET /api/shop-settings shows it' }),
});

export const ProductUpdateSchema = Type.Object({ product: Type.Record(Type.String(), Type.Unknown(), { description: 'the product as GET /api/products/:id shows it' }) });
export const ReportProgressSchema = Type.Object({ id: Type.String(), progress: Type.Integer({ minimum: 0, maximum: 100 }) });
export const ReportReadySchema = Type.Object({ id: Type.String(), download_url: Type.String() });
export const SessionEndedSchema = Type.Object({ reason: SessionEndReasonSchema });
export const DashboardSyncReplySchema = Type.Union([Type.Object({ seq: Type.Integer({ minimum: 0 }), dashboard: DashboardSchema }), ErrorReplySchema]);
export const SettingsAckSchema = Type.Object({ version: Type.Integer({ minimum: 1 }) });
export const SettingsAckReplySchema = Type.Union([Type.Object({ ok: Type.Literal(true) }), ErrorReplySchema]);

/** The handshake: `io(url, {auth})`. */
export const HandshakeAuthSchema = Type.Object({
  token: Type.String({ description: 'a user or terminal token (POST /api/auth/login, POST /api/terminals)' }),
  series: Type.Optional(Type.Union([Type.Literal('whole'), Type.Literal('moved')], { description: "managers: dashboard:update's series whole (default) or only their moved entries" })),
});

export type Audience = 'managers' | 'cashiers' | 'terminals' | 'requester' | 'this socket';

/** Server → client events. */
export const SERVER_EVENTS = {
  'session:ended': { payload: SessionEndedSchema, to: ['this socket'], summary: "The socket's session ended; the server disconnects it right after." },
  'dashboard:update': { payload: DashboardUpdateSchema, to: ['managers'], summary: 'The dashboard parts that moved, after events were applied (coalesced per shop).' },
  'bill:created': { payload: BillCreatedSchema, to: ['managers'], summary: 'A bill was committed.' },
  'loyalty:update': { payload: LoyaltyUpdateSchema, to: ['managers', 'terminals'], summary: "A customer's loyalty account changed." },
  'product:updated': { payload: ProductUpdateSchema, to: ['managers', 'terminals'], summary: 'A product was created, changed or deleted.' },
  'settings:updated': { payload: SettingsUpdateSchema, to: ['managers', 'terminals'], summary: "A section of the shop's settings changed (version grows by one per change)." },
  'report:progress': { payload: ReportProgressSchema, to: ['requester'], summary: "A report's progress." },
  'report:ready': { payload: ReportReadySchema, to: ['requester'], summary: 'A report is built and can be downloaded.' },
} as const satisfies Record<string, { payload: TSchema; to: readonly Audience[]; summary: string }>;

/** Client → server events, each with its acknowledgement. */
export const CLIENT_EVENTS = {
  'dashboard:sync': { payload: undefined, ack: DashboardSyncReplySchema, from: ['managers'], summary: 'The full dashboard: on connect, on reconnect, and whenever a seq is skipped.' },
  'settings:ack': { payload: SettingsAckSchema, ack: SettingsAckReplySchema, from: ['terminals'], summary: 'A terminal confirms it applied the settings of a version.' },
} as const satisfies Record<string, { payload: TSchema | undefined; ack: TSchema; from: readonly Audience[]; summary: string }>;


