/** The loyalty programme's settings (DOMAIN.md section 3): one row per shop, written at signup. */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { fromFils, twoDecimals } from '../common/index.ts';
import type { LoyaltyConfigBody } from './schema.ts';
import { tiers } from './tiers.ts';

export interface LoyaltyConfigView {
  enabled: boolean;
  program_name: string;
  points_per_unit: number;
  point_value: number;
  min_redeem_points: number;
  max_redeem_percent: number;
}

/** GET /api/loyalty/config */
export async function loyaltyConfig(sql: Db, shopId: number): Promise<LoyaltyConfigView> {
  const [c] = await sql<(Omit<LoyaltyConfigView, 'point_value'> & { point_value_fils: number })[]>`
    select enabled, program_name, points_per_unit, point_value_fils, min_redeem_points, max_redeem_percent
    from loyalty_config where shop_id = ${shopId}`;
  if (!c) throw ERRORS.notFound('Loyalty programme');
  const { point_value_fils, ...rest } = c;
  return { ...rest, point_value: fromFils(point_value_fils) };
}

/** The 'loyalty' settings section: the programme and its tiers. */
export async function loyaltySettings(sql: Db, shopId: number) {
  return { config: await loyaltyConfig(sql, shopId), tiers: await tiers(sql, shopId) };
}

/** Replaces the programme settings; returns the whole 'loyalty' section. */
export async function putConfig(tx: Db, shopId: number, body: LoyaltyConfigBody) {
  const errors = twoDecimals({
    points_per_unit: body.points_per_unit,
    point_value: body.point_value,
    max_redeem_percent: body.max_redeem_percent,
  });
  if (errors.length) throw ERRORS.validation(errors);
  await tx`
    update loyalty_config set enabled = ${body.enabled}, program_name = ${body.program_name.trim()},
      points_per_unit = ${body.points_per_unit}, point_value_fils = ${Math.round(body.point_value * 100)},
      min_redeem_points = ${body.min_redeem_points}, max_redeem_percent = ${body.max_redeem_percent}, updated_at = now()
    where shop_id = ${shopId}`;
  return loyaltySettings(tx, shopId);
}
