import { type Static, Type } from '@sinclair/typebox';
import { DateStr, Id, Name, Text } from '../common/schema.ts';

export const PAYMENT_METHODS = ['Cash', 'Card', 'Bank Transfer', 'Cheque', 'Other'] as const;

const opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(Type.Union([t, Type.Null()]));

export const ShopInfoBody = Type.Object(
  {
    name: Name(200),
    address: opt(Text(500)),
    city: opt(Text(100)),
    area: opt(Text(100)),
    trn: opt(Type.String({ pattern: '^[0-9]{15}$' })),
    phone: opt(Text(30)),
    logo_url: opt(Type.String({ format: 'uri', maxLength: 1000 })),
    working_hours: opt(Text(200)),
    invoice_footer: opt(Text(1000)),
  },
  { additionalProperties: false },
);
export type ShopInfoBody = Static<typeof ShopInfoBody>;

export const BillingConfigBody = Type.Object(
  {
    payment_mode: Type.Union([Type.Literal('advance'), Type.Literal('full')]),
    prices_include_vat: Type.Boolean(),
    default_delivery_days: Type.Integer({ minimum: 0, maximum: 365 }),
    default_trial_days: Type.Integer({ minimum: 0, maximum: 365 }),
    default_employee_id: Type.Union([Id, Type.Null()]),
    show_fields: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.Boolean(), { maxProperties: 30 })),
    bill_template: Type.Optional(Type.String({ maxLength: 40 })),
  },
  { additionalProperties: false },
);
export type BillingConfigBody = Static<typeof BillingConfigBody>;

export const PaymentMethodsBody = Type.Object(
  { payment_methods: Type.Array(Type.Union(PAYMENT_METHODS.map((m) => Type.Literal(m))), { minItems: 1, maxItems: 5, uniqueItems: true }) },
  { additionalProperties: false },
);
export type PaymentMethodsBody = Static<typeof PaymentMethodsBody>;

export const LocaleBody = Type.Object(
  {
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    date_format: Type.Union([Type.Literal('DD/MM/YYYY'), Type.Literal('MM/DD/YYYY'), Type.Literal('YYYY-MM-DD'), Type.Literal('DD-MM-YYYY')]),
    language: Type.Union([Type.Literal('en'), Type.Literal('ar')]),
  },
  { additionalProperties: false },
);
export type LocaleBody = Static<typeof LocaleBody>;

export const VatRateBody = Type.Object(
  {
    rate_percent: Type.Number({ exclusiveMinimum: 0, maximum: 100 }),
    effective_from: DateStr,
    effective_to: Type.Optional(Type.Union([DateStr, Type.Null()])),
  },
  { additionalProperties: false },
);
export type VatRateBody = Static<typeof VatRateBody>;
