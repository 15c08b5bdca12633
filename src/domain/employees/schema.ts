import { type Static, Type } from '@sinclair/typebox';
import { DateOut, DateStr, Instant, Name, Nullable, Page, Search, Text } from '../common/index.ts';

const Fields = {
  name: Name(200),
  phone: Type.Union([Type.String({ minLength: 5, maxLength: 30 }), Type.Null()]),
  position: Type.Union([Text(100), Type.Null()]),
  address: Type.Union([Text(500), Type.Null()]),
  active: Type.Boolean(),
};

export const CreateEmployeeBody = Type.Object(
  {
    name: Fields.name,
    phone: Type.Optional(Fields.phone),
    position: Type.Optional(Fields.position),
    address: Type.Optional(Fields.address),
    active: Type.Optional(Fields.active),
  },
  { additionalProperties: false },
);
export type CreateEmployeeBody = Static<typeof CreateEmployeeBody>;

export const PatchEmployeeBody = Type.Partial(Type.Object(Fields), { additionalProperties: false, minProperties: 1 });
export type PatchEmployeeBody = Static<typeof PatchEmployeeBody>;

export const ListEmployeesQuery = Type.Object(
  { search: Type.Optional(Search), active: Type.Optional(Type.Boolean()), ...Page },
  { additionalProperties: false },
);
export type ListEmployeesQuery = Static<typeof ListEmployeesQuery>;

export const PerformanceQuery = Type.Object({ from: Type.Optional(DateStr), to: Type.Optional(DateStr) }, { additionalProperties: false });
export type PerformanceQuery = Static<typeof PerformanceQuery>;

/** An employee as the API answers it: the row and its figures (from the aggregates). */
export const EmployeeOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  phone: Nullable(Type.String()),
  position: Nullable(Type.String()),
  address: Nullable(Type.String()),
  active: Type.Boolean(),
  created_at: Instant,
  updated_at: Instant,
  total_bills: Type.Integer({ minimum: 0 }),
  total_sales: Type.Number(),
  avg_bill_value: Type.Number(),
});

export const PerformanceOut = Type.Object({
  employee_id: Type.Integer(),
  from: DateOut,
  to: DateOut,
  total_bills: Type.Integer({ minimum: 0 }),
  revenue: Type.Number(),
  avg_bill_value: Type.Number(),
  top_products: Type.Array(Type.Object({ product_id: Nullable(Type.Integer()), product_name: Type.String(), quantity: Type.Number(), revenue: Type.Number() })),
});
