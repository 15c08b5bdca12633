import { type Static, Type } from '@sinclair/typebox';
import { Name, Page } from '../common/schema.ts';

export const LoyaltyConfigBody = Type.Object(
  {
    enabled: Type.Boolean(),
    program_name: Name(100),
    points_per_unit: Type.Number({ minimum: 0, maximum: 1000 }),
    /** value of one point in currency units, e.g. 0.01 */
    point_value: Type.Number({ minimum: 0.01, maximum: 100 }),
    min_redeem_points: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
    max_redeem_percent: Type.Number({ minimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);
export type LoyaltyConfigBody = Static<typeof LoyaltyConfigBody>;

export const Tier = Type.Object(
  {
    name: Name(50),
    threshold_points: Type.Integer({ minimum: 0, maximum: 1_000_000_000 }),
    multiplier: Type.Number({ minimum: 1, maximum: 10 }),
    discount_percent: Type.Number({ minimum: 0, maximum: 100 }),
    perks: Type.Optional(Type.String({ maxLength: 500 })),
    colour: Type.Optional(Type.String({ pattern: '^#[0-9a-fA-F]{6}$' })),
  },
  { additionalProperties: false },
);
export const TiersBody = Type.Object({ tiers: Type.Array(Tier, { minItems: 1, maxItems: 10 }) }, { additionalProperties: false });
export type TiersBody = Static<typeof TiersBody>;

export const LedgerQuery = Type.Object({ ...Page }, { additionalProperties: false });
