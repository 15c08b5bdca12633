import { type Static, Type } from '@sinclair/typebox';
import { DateOut, DateStr } from '../common/index.ts';

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

const Figures = Type.Object({
  revenue: Type.Number(),
  net_revenue: Type.Number({ description: 'revenue less VAT' }),
  vat_collected: Type.Number(),
  expenses: Type.Number(),
  profit: Type.Number({ description: 'net revenue less expenses' }),
  margin: Type.Number({ description: '% of net revenue' }),
  bills: Type.Integer({ minimum: 0 }),
  avg_bill: Type.Number(),
});
const Change = Type.Union([Type.Number(), Type.Null()], { description: '% against the previous period; null when that was 0' });

export const InsightsOut = Type.Object({
  period: Type.Object({
    from: DateOut,
    to: DateOut,
    previous_from: DateOut,
    previous_to: DateOut,
    granularity: Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly')]),
  }),
  current: Figures,
  previous: Figures,
  change: Type.Object(Object.fromEntries(Object.keys(Figures.properties).map((k) => [k, Change]))),
  cash_flow: Type.Object({
    invoiced: Type.Number(),
    collected: Type.Number(),
    outstanding: Type.Number(),
    by_method: Type.Array(Type.Object({ method: Type.String(), amount: Type.Number() })),
  }),
  trends: Type.Array(
    Type.Object({
      period: Type.String({ description: 'the day, the Monday of the week, or YYYY-MM' }),
      revenue: Type.Number(),
      net_revenue: Type.Number(),
      expenses: Type.Number(),
      profit: Type.Number(),
      collected: Type.Number(),
      bills: Type.Integer({ minimum: 0 }),
    }),
  ),
  expense_breakdown: Type.Array(Type.Object({ category: Type.String(), amount: Type.Number() })),
});
