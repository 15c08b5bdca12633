import { type Static, Type } from '@sinclair/typebox';
import { Instant, Name, Nullable, Page, Search, Text } from '../common/index.ts';

const Fields = {
  name: Name(200),
  phone: Type.String({ minLength: 5, maxLength: 30 }),
  customer_type: Type.Union([Type.Literal('Individual'), Type.Literal('Business')]),
  business_name: Type.Union([Text(200), Type.Null()]),
  trn: Type.Union([Type.String({ pattern: '^[0-9]{15}$' }), Type.Null()]),
  email: Type.Union([Type.String({ format: 'email', maxLength: 254 }), Type.Null()]),
  city: Type.Union([Text(100), Type.Null()]),
  area: Type.Union([Text(100), Type.Null()]),
  address: Type.Union([Text(500), Type.Null()]),
  active: Type.Boolean(),
};

export const CreateCustomerBody = Type.Object(
  {
    name: Fields.name,
    phone: Fields.phone,
    customer_type: Type.Optional(Fields.customer_type),
    business_name: Type.Optional(Fields.business_name),
    trn: Type.Optional(Fields.trn),
    email: Type.Optional(Fields.email),
    city: Type.Optional(Fields.city),
    area: Type.Optional(Fields.area),
    address: Type.Optional(Fields.address),
  },
  { additionalProperties: false },
);
export type CreateCustomerBody = Static<typeof CreateCustomerBody>;

export const PatchCustomerBody = Type.Partial(Type.Object(Fields), { additionalProperties: false, minProperties: 1 });
export type PatchCustomerBody = Static<typeof PatchCustomerBody>;

export const ListCustomersQuery = Type.Object({ search: Type.Optional(Search), ...Page }, { additionalProperties: false });
export type ListCustomersQuery = Static<typeof ListCustomersQuery>;

export const RecentQuery = Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }) }, { additionalProperties: false });

/** A customer as the API answers it: the row and its figures (bills, spend, last visit, from the aggregates). */
export const CustomerOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  phone: Type.String({ description: 'E.164' }),
  customer_type: Type.Union([Type.Literal('Individual'), Type.Literal('Business')]),
  business_name: Nullable(Type.String()),
  trn: Nullable(Type.String()),
  email: Nullable(Type.String()),
  city: Nullable(Type.String()),
  area: Nullable(Type.String()),
  address: Nullable(Type.String()),
  active: Type.Boolean(),
  created_at: Instant,
  updated_at: Instant,
  total_bills: Type.Integer({ minimum: 0 }),
  total_spent: Type.Number(),
  last_visit: Nullable(Instant),
});
