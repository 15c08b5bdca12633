import { type Static, Type } from '@sinclair/typebox';
import { DateOut, DateStr, Id, Name, Nullable, Text } from '../common/index.ts';
import { LoyaltySection } from '../loyalty/index.ts';

export const PAYMENT_METHODS = ['Cash', 'Card', 'Bank Transfer', 'Cheque', 'Other'] as const;

const opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(Nullable(t));

export const ShopInfoBody = Type.Object(
  {
    name: Name(200),
    address: opt(Text(500)),
    city: opt(Text(100)),
    area: opt(Text(100)),
    /** UAE tax registration number: 15 digits. */
    trn: opt(Type.String({ pattern: '^[0-9]{15}$' })),
    phone: opt(Text(30)),
    // http(s) only: the logo lands in <img src> on receipts and pages, so no javascript: or data: URLs.
    logo_url: opt(Type.String({ format: 'uri', pattern: '^https?://', maxLength: 1000 })),
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
    default_employee_id: Nullable(Id),
    /** Which optional fields the bill form shows, e.g. {"trial_date": false}. */
    show_fields: Type.Optional(
      Type.Record(Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }), Type.Boolean(), { maxProperties: 30, additionalProperties: false }),
    ),
    bill_template: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' })),
    /** How many days back a terminal's offline sale may be dated when it syncs; default 7. */
    offline_window_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 30 })),
  },
  { additionalProperties: false },
);
export type BillingConfigBody = Static<typeof BillingConfigBody>;

export const PaymentMethodsBody = Type.Object(
  {
    payment_methods: Type.Array(Type.Union(PAYMENT_METHODS.map((m) => Type.Literal(m))), {
      minItems: 1,
      maxItems: PAYMENT_METHODS.length,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
export type PaymentMethodsBody = Static<typeof PaymentMethodsBody>;

export const DATE_FORMATS = ['DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD', 'DD-MM-YYYY', 'DD.MM.YYYY'] as const;

export const LocaleBody = Type.Object(
  {
    /** ISO 4217 code, checked against the codes the runtime knows. */
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
    /** IANA zone, checked against both the runtime and Postgres. */
    timezone: Type.String({ minLength: 1, maxLength: 64 }),
    date_format: Type.Union(DATE_FORMATS.map((f) => Type.Literal(f))),
    language: Type.Union([Type.Literal('en'), Type.Literal('ar')]),
  },
  { additionalProperties: false },
);
export type LocaleBody = Static<typeof LocaleBody>;

export const VatRateBody = Type.Object(
  {
    /** 0 to 100, at most 2 decimals; 0 for a shop that charges no VAT (migration 0013). */
    rate_percent: Type.Number({ minimum: 0, maximum: 100 }),
    effective_from: DateStr,
    effective_to: Type.Optional(Nullable(DateStr)),
  },
  { additionalProperties: false },
);
export type VatRateBody = Static<typeof VatRateBody>;

export const VatRate = Type.Object({ id: Type.Integer(), rate_percent: Type.Number(), effective_from: DateOut, effective_to: Nullable(DateOut) });
export type VatRate = Static<typeof VatRate>;

// Response shapes. shop_info and billing_config are stored as JSON documents that may carry keys
// a later version added: their schemas name the known keys and let others through.
const Open = { additionalProperties: true } as const;
const Version = Type.Integer({ minimum: 1, description: "the shop's settings version after the change" });
export const ShopInfoOut = Type.Object(ShopInfoBody.properties, Open);
export const BillingConfigOut = Type.Object(BillingConfigBody.properties, Open);
export const LocaleOut = Type.Object(LocaleBody.properties);
export const SettingsOut = Type.Object({
  shop_info: ShopInfoOut,
  billing_config: BillingConfigOut,
  vat_rates: Type.Array(VatRate),
  payment_methods: Type.Array(Type.String()),
  locale: LocaleOut,
  loyalty: LoyaltySection,
  version: Type.Integer({ minimum: 0 }),
});
export const ShopInfoChange = Type.Object({ shop_info: ShopInfoOut, version: Version });
export const BillingConfigChange = Type.Object({ billing_config: BillingConfigOut, version: Version });
export const PaymentMethodsChange = Type.Object({ payment_methods: Type.Array(Type.String()), version: Version });
export const LocaleChange = Type.Object({ locale: LocaleOut, version: Version });
export const VatRateCreated = Type.Composite([VatRate, Type.Object({ version: Version })]);
