import { type Static, Type } from '@sinclair/typebox';
import { Instant, Name, Nullable, Page } from '../common/index.ts';

export const LoyaltyConfigBody = Type.Object(
  {
    enabled: Type.Boolean(),
    program_name: Name(100),
    /** Points earned per 1.00 of currency, at most 2 decimals. */
    points_per_unit: Type.Number({ minimum: 0, maximum: 100 }),
    /** Value of one point in currency units (0.01 = one fils), at most 2 decimals. */
    point_value: Type.Number({ minimum: 0.01, maximum: 100 }),
    min_redeem_points: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    /** Share of a bill payable with points, 0-100, at most 2 decimals. */
    max_redeem_percent: Type.Number({ minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type LoyaltyConfigBody = Static<typeof LoyaltyConfigBody>;

export const Tier = Type.Object(
  {
    name: Name(50),
    threshold_points: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    /** Points multiplier, 1.00-10.00: a tier never earns less than the base rate. */
    multiplier: Type.Number({ minimum: 1, maximum: 10 }),
    discount_percent: Type.Number({ minimum: 0, maximum: 100 }),
    perks: Type.Optional(Type.String({ maxLength: 500 })),
    colour: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  { additionalProperties: false },
);
export type Tier = Static<typeof Tier>;

export const TiersBody = Type.Object({ tiers: Type.Array(Tier, { minItems: 1, maxItems: 10 }) }, { additionalProperties: false });
export type TiersBody = Static<typeof TiersBody>;

export const LedgerQuery = Type.Object({ ...Page }, { additionalProperties: false });

export const TierView = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  threshold_points: Type.Integer({ minimum: 0 }),
  multiplier: Type.Number(),
  discount_percent: Type.Number(),
  perks: Type.String(),
  colour: Type.String(),
});
export type TierView = Static<typeof TierView>;

/** The programme's settings as the API answers them (point_value in currency units). */
export const LoyaltyConfigOut = Type.Object({
  enabled: Type.Boolean(),
  program_name: Type.String(),
  points_per_unit: Type.Number(),
  point_value: Type.Number(),
  min_redeem_points: Type.Integer(),
  max_redeem_percent: Type.Number(),
});

/** The settings section `loyalty` (GET /api/shop-settings, settings:updated). */
export const LoyaltySection = Type.Object({ config: LoyaltyConfigOut, tiers: Type.Array(TierView) });
export const LoyaltyChange = Type.Object({ loyalty: LoyaltySection, version: Type.Integer({ minimum: 1 }) });

export const AccountOut = Type.Object({
  customer_id: Type.Integer(),
  available_points: Type.Integer(),
  lifetime_points: Type.Integer(),
  tier: Nullable(Type.Object({ id: Type.Integer(), name: Type.String(), colour: Type.String(), multiplier: Type.Number(), discount_percent: Type.Number() })),
  total_spent: Type.Number(),
  visits: Type.Integer({ minimum: 0 }),
  last_purchase: Nullable(Instant),
  next_tier: Nullable(Type.Object({ name: Type.String(), threshold_points: Type.Integer() })),
  points_to_next_tier: Type.Integer({ minimum: 0 }),
});

export const LedgerEntryOut = Type.Object({
  id: Type.Integer(),
  kind: Type.Union(['earned', 'redeemed', 'reversed', 'bonus', 'expired', 'adjusted'].map((k) => Type.Literal(k))),
  points: Type.Integer(),
  bill_id: Nullable(Type.Integer()),
  bill_number: Nullable(Type.String()),
  note: Nullable(Type.String()),
  created_at: Instant,
});
