/** Request schemas of the billing routes (API.md "Billing"). */
import { type Static, Type } from '@sinclair/typebox';
import { DateStr, Id, Money, Name, Page, Percent, Search, Text } from '../common/index.ts';

export const PaymentMethod = Type.String({ minLength: 1, maxLength: 40 });

export const NewPayment = Type.Object({ amount: Money, method: PaymentMethod }, { additionalProperties: false });

/**
 * Either an existing customer ({id}) or one found/created by phone ({phone, name, ...}). One
 * object rather than a union: Ajv's removeAdditional would strip the fields of one branch while
 * trying the other. The service checks that one of the two forms is complete.
 */
const CustomerRef = Type.Object(
  {
    id: Type.Optional(Id),
    phone: Type.Optional(Type.String({ minLength: 5, maxLength: 30 })),
    name: Type.Optional(Name(200)),
    city: Type.Optional(Text(100)),
    area: Type.Optional(Text(100)),
    customer_type: Type.Optional(Type.Union([Type.Literal('Individual'), Type.Literal('Business')])),
    business_name: Type.Optional(Text(200)),
    trn: Type.Optional(Type.String({ pattern: '^[0-9]{15}$' })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const CreateBillBody = Type.Object(
  {
    customer: Type.Optional(CustomerRef),
    employee_id: Type.Optional(Id),
    bill_date: Type.Optional(DateStr),
    delivery_date: Type.Optional(DateStr),
    trial_date: Type.Optional(DateStr),
    notes: Type.Optional(Text(2000)),
    items: Type.Array(
      Type.Object(
        {
          product_id: Id,
          quantity: Type.Integer({ minimum: 1, maximum: 10_000 }),
          rate: Type.Optional(Money),
          discount_percent: Type.Optional(Percent),
          notes: Type.Optional(Text(500)),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 200 },
    ),
    payments: Type.Optional(Type.Array(NewPayment, { maxItems: 10 })),
    redeem_points: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000_000 })),
    /** Terminals only: when the sale happened (a bill sold offline and synced later). */
    client_created_at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
    /** Terminals only: the terminal's own reference of an offline bill (terminal id and a local counter). */
    offline_ref: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$' })),
  },
  { additionalProperties: false },
);
export type CreateBillBody = Static<typeof CreateBillBody>;

export const AddPaymentBody = NewPayment;
export type AddPaymentBody = Static<typeof AddPaymentBody>;

export const CancelBody = Type.Object({ reason: Name(500) }, { additionalProperties: false });
export type CancelBody = Static<typeof CancelBody>;

export const BillStatusSchema = Type.Union([
  Type.Literal('Pending'),
  Type.Literal('Partial'),
  Type.Literal('Paid'),
  Type.Literal('Cancelled'),
]);

export const ListBillsQuery = Type.Object(
  {
    search: Type.Optional(Search),
    status: Type.Optional(BillStatusSchema),
    from: Type.Optional(DateStr),
    to: Type.Optional(DateStr),
    employee_id: Type.Optional(Id),
    customer_id: Type.Optional(Id),
    page: Type.Optional(Page.page),
    per_page: Page.per_page,
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);
export type ListBillsQuery = Static<typeof ListBillsQuery>;
