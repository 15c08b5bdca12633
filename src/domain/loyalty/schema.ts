import { type Static, Type } from '@sinclair/typebox';
import { Name, Page } from '../common/index.ts';

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

export interface TierView {
  id: number;
  name: string;
  threshold_points: number;
  multiplier: number;
  discount_percent: number;
  perks: string;
  colour: string;
}
