/** Report requests and schedules (API.md "Reports"). */
import { type Static, Type } from '@sinclair/typebox';
import { DateStr, Id, Instant, Nullable } from '../common/index.ts';

export const REPORT_TYPES = ['invoices', 'employees', 'products', 'expenses', 'vat', 'customers'] as const;
export type ReportType = (typeof REPORT_TYPES)[number] | 'daily_summary';
export const FORMATS = ['csv', 'xlsx', 'pdf'] as const;
export type ReportFormat = (typeof FORMATS)[number];

export const ReportFilters = Type.Object(
  {
    product_ids: Type.Optional(Type.Array(Id, { maxItems: 500 })),
    employee_ids: Type.Optional(Type.Array(Id, { maxItems: 500 })),
    city: Type.Optional(Type.String({ maxLength: 100 })),
    area: Type.Optional(Type.String({ maxLength: 100 })),
    status: Type.Optional(Type.Union([Type.Literal('Pending'), Type.Literal('Partial'), Type.Literal('Paid'), Type.Literal('Cancelled')])),
  },
  { additionalProperties: false },
);
export type ReportFilters = Static<typeof ReportFilters>;

export const CreateReportBody = Type.Object(
  {
    type: Type.Union(REPORT_TYPES.map((t) => Type.Literal(t))),
    from: DateStr,
    to: DateStr,
    filters: Type.Optional(ReportFilters),
    format: Type.Union(FORMATS.map((f) => Type.Literal(f))),
    email_to: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
  },
  { additionalProperties: false },
);
export type CreateReportBody = Static<typeof CreateReportBody>;

export const ScheduleItem = Type.Object(
  {
    kind: Type.Union([Type.Literal('daily_summary'), Type.Literal('monthly_vat')]),
    enabled: Type.Boolean(),
    hour: Type.Integer({ minimum: 0, maximum: 23 }),
    recipients: Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
      maxItems: 20,
      description: "where the report is emailed; empty: the shop's active owners and managers",
    }),
    format: Type.Optional(Type.Union(FORMATS.map((f) => Type.Literal(f)))),
  },
  { additionalProperties: false },
);
export const PutSchedulesBody = Type.Object({ schedules: Type.Array(ScheduleItem, { minItems: 1, maxItems: 2 }) }, { additionalProperties: false });
export type PutSchedulesBody = Static<typeof PutSchedulesBody>;

export interface ReportParams {
  from: string;
  to: string;
  filters?: ReportFilters;
}

export const ReportOut = Type.Object({
  id: Type.String({ format: 'uuid' }),
  type: Type.String({ description: `${REPORT_TYPES.join(', ')} or daily_summary` }),
  format: Type.Union(FORMATS.map((f) => Type.Literal(f))),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('done'), Type.Literal('failed')]),
  progress: Type.Integer({ minimum: 0, maximum: 100 }),
  rows: Nullable(Type.Integer({ minimum: 0 })),
  params: Type.Object({ from: Type.String(), to: Type.String(), filters: Type.Optional(Type.Object({}, { additionalProperties: true })) }),
  download_url: Nullable(Type.String()),
  error: Nullable(Type.String()),
  emailed: Type.Boolean(),
  created_at: Instant,
  finished_at: Nullable(Instant),
  expires_at: Nullable(Instant),
  read_from: Type.Union([Type.Literal('primary'), Type.Literal('replica'), Type.Null()], {
    description: "the server the rows were read on: REPORTS_DATABASE_URL's replica once it had replayed past the request, else the primary; null until built",
  }),
});

export const ReportAccepted = Type.Object({ id: Type.String({ format: 'uuid' }), status: Type.Literal('queued') });

export const ScheduleOut = Type.Object({
  kind: Type.String(),
  enabled: Type.Boolean(),
  hour: Type.Integer({ minimum: 0, maximum: 23 }),
  recipients: Type.Array(Type.String()),
  format: Type.String(),
  updated_at: Instant,
});
