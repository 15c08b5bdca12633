import { type Static, Type } from '@sinclair/typebox';
import { DateStr } from '../common/index.ts';

export const InsightsQuery = Type.Object(
  {
    from: Type.Optional(DateStr),
    to: Type.Optional(DateStr),
    /** 7, 30, 90, 180 or 365 days ending today (ignored when from/to are given). Default 30. */
    days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3660 })),
    granularity: Type.Optional(Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly')])),
  },
  { additionalProperties: false },
);
export type InsightsQuery = Static<typeof InsightsQuery>;
