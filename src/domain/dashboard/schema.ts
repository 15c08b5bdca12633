/**
 * The dashboard document (GET /api/dashboard, dashboard:sync, the parts of dashboard:update), as
 * a schema: the OpenAPI and AsyncAPI documents describe it from here, and a compile-time check
 * below holds it equal to what build.ts makes.
 */
import { type Static, Type } from '@sinclair/typebox';
import type { Dashboard } from './build.ts';

const Amount = Type.Number({ description: 'AED (or the shop currency), 2 decimals' });
const Count = Type.Integer({ minimum: 0 });
const Day = Type.String({ format: 'date' });
const Month = Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM' });
const NameOrNull = Type.Union([Type.String(), Type.Null()]);

export const DashboardSchema = Type.Object(
  {
    seq: Type.Integer({ minimum: 0, description: "the shop's last applied event" }),
    today: Type.Object({
      date: Day,
      revenue: Amount,
      bills: Count,
      avg_bill: Amount,
      vat: Amount,
      collected: Amount,
      outstanding: Amount,
      expenses: Amount,
    }),
    month: Type.Object({ month: Month, revenue: Amount, bills: Count, vat: Amount, collected: Amount, expenses: Amount }),
    open_bills: Count,
    outstanding: Amount,
    customers: Count,
    monthly: Type.Array(Type.Object({ month: Month, revenue: Amount, expenses: Amount, bills: Count }), { description: 'the last 12 months, oldest first' }),
    daily: Type.Array(Type.Object({ date: Day, revenue: Amount, bills: Count, collected: Amount, expenses: Amount }), {
      description: 'the last 30 days, oldest first',
    }),
    hourly: Type.Array(Type.Object({ hour: Type.Integer({ minimum: 0, maximum: 23 }), revenue: Amount }), { description: "today's 24 hours" }),
    top_products: Type.Array(Type.Object({ product_id: Type.Integer(), name: NameOrNull, quantity: Type.Number(), revenue: Amount })),
    top_products_by_quantity: Type.Array(Type.Object({ product_id: Type.Integer(), name: NameOrNull, quantity: Type.Number(), revenue: Amount })),
    top_areas: Type.Array(Type.Object({ area: Type.String(), revenue: Amount })),
    top_customers: Type.Array(Type.Object({ customer_id: Type.Integer(), name: NameOrNull, bills: Count })),
    employees: Type.Array(Type.Object({ employee_id: Type.Integer(), name: NameOrNull, bills: Count, revenue: Amount, share: Type.Number({ description: '% of the month' }) })),
    payment_methods: Type.Array(Type.Object({ method: Type.String(), amount: Amount })),
  },
  { $id: 'Dashboard', additionalProperties: false },
);

// The schema and the builder describe one document: a field added to one and not the other fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const same: Same<Static<typeof DashboardSchema>, Dashboard> = true;
void same;
