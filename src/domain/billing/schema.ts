/**
 * Request and response schemas of the billing routes (API.md "Billing"). The response schemas
 * document the answers in /openapi.json and are what the answers are written through, so they
 * name every field present.ts, quote.ts and the lists really return, and nothing else.
 */
import { type Static, Type } from '@sinclair/typebox';
import { DateOut, DateStr, Id, Instant, Money, Name, Nullable, Page, PageOf, Percent, Search, Text } from '../common/index.ts';

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

const BillStatusOut = Type.Union([Type.Literal('Pending'), Type.Literal('Partial'), Type.Literal('Paid'), Type.Literal('Cancelled')]);

/** A bill in a list (present.ts billSummary); money in currency units. */
export const BillSummaryOut = Type.Object({
  id: Type.Integer(),
  bill_number: Type.String(),
  bill_date: DateOut,
  delivery_date: Nullable(DateOut),
  trial_date: Nullable(DateOut),
  status: BillStatusOut,
  customer_id: Nullable(Type.Integer()),
  customer_name: Nullable(Type.String()),
  customer_phone: Nullable(Type.String()),
  employee_id: Nullable(Type.Integer({ description: 'the master' })),
  cashier_id: Nullable(Type.Integer({ description: 'the user who took the sale: the signed-in user, or the cashier signed in by PIN at a terminal' })),
  offline_ref: Nullable(Type.String({ description: "a terminal's own reference of a bill sold offline" })),
  subtotal: Type.Number(),
  discount: Type.Number(),
  vat_amount: Type.Number(),
  total_amount: Type.Number(),
  paid: Type.Number(),
  balance: Type.Number({ description: 'total_amount - paid; 0 once cancelled' }),
  created_at: Instant,
});

/** A bill with its lines, payments and loyalty (present.ts presentBill). */
export const BillOut = Type.Composite([
  BillSummaryOut,
  Type.Object({
    customer: Nullable(
      Type.Object({
        id: Type.Integer(),
        name: Nullable(Type.String()),
        phone: Nullable(Type.String()),
        city: Nullable(Type.String()),
        area: Nullable(Type.String()),
        trn: Nullable(Type.String()),
        customer_type: Nullable(Type.String()),
      }),
    ),
    notes: Nullable(Type.String()),
    vat_percent: Type.Number(),
    prices_include_vat: Type.Boolean(),
    cancelled_at: Nullable(Instant),
    cancel_reason: Nullable(Type.String()),
    items: Type.Array(
      Type.Object({
        id: Type.Integer(),
        line_no: Type.Integer(),
        product_id: Nullable(Type.Integer()),
        product_name: Type.String(),
        product_type: Nullable(Type.String()),
        quantity: Type.Integer(),
        rate: Type.Number(),
        discount_percent: Type.Number(),
        discount: Type.Number(),
        vat_amount: Type.Number(),
        total: Type.Number(),
        notes: Nullable(Type.String()),
      }),
    ),
    payments: Type.Array(
      Type.Object({
        id: Type.Integer(),
        amount: Type.Number(),
        method: Type.String(),
        kind: Type.Union([Type.Literal('payment'), Type.Literal('refund')]),
        paid_at: Instant,
      }),
    ),
    loyalty: Type.Object({
      points_earned: Type.Integer(),
      points_redeemed: Type.Integer(),
      available_points: Type.Integer({ description: "the customer's points after this bill (0 without a customer or account)" }),
      tier: Nullable(Type.String()),
    }),
  }),
]);

/** GET /api/bills: a numbered page (with ?page=), or a keyset page (with ?cursor=). */
export const BillListOut = Type.Union([
  PageOf(BillSummaryOut),
  Type.Object({
    items: Type.Array(BillSummaryOut),
    next_cursor: Nullable(Type.String({ description: 'pass as ?cursor= for the next page; null on the last' })),
  }),
]);

/** POST /api/bills/quote: what the bill would be, nothing written (quote.ts). */
export const QuoteOut = Type.Object({
  bill_date: DateOut,
  delivery_date: Nullable(DateOut),
  trial_date: Nullable(DateOut),
  vat_percent: Type.Number(),
  prices_include_vat: Type.Boolean(),
  subtotal: Type.Number(),
  discount: Type.Number(),
  vat_amount: Type.Number(),
  total_amount: Type.Number(),
  items: Type.Array(
    Type.Object({
      product_id: Type.Integer(),
      product_name: Type.String(),
      quantity: Type.Integer(),
      rate: Type.Number(),
      discount_percent: Type.Number(),
      vat_amount: Type.Number(),
      total: Type.Number(),
    }),
  ),
});

export const NextNumberOut = Type.Object({ bill_number: Type.String({ description: 'not reserved: a bill made meanwhile takes it' }) });

/** A master as the counter may see one (masters.ts). */
export const MasterOut = Type.Object({ id: Type.Integer(), name: Type.String() });

/** A customer as the counter may see one (counter-customers.ts). */
export const CounterCustomerOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  phone: Type.String({ description: 'E.164' }),
  customer_type: Type.Union([Type.Literal('Individual'), Type.Literal('Business')]),
  business_name: Nullable(Type.String()),
  trn: Nullable(Type.String()),
  tier: Nullable(Type.String()),
  tier_discount_percent: Type.Number(),
  available_points: Type.Integer(),
});
