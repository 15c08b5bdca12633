/** Checks of what an expense or a recurring definition points at: its category and payment method. */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';

/**
 * 422 unless `categoryId` is a live category of the shop and `method` one of the shop's payment
 * methods. The category row is held FOR KEY SHARE until commit: a concurrent category delete
 * (which takes FOR UPDATE) then either waits and sees the new row as a user of the category, or
 * commits first and this check finds no live category. Renames are not blocked.
 */
export async function checkRefs(tx: Db, shopId: number, categoryId: number | undefined, method: string | null | undefined): Promise<void> {
  if (categoryId !== undefined) {
    const [c] = await tx`
      select 1 from expense_categories where shop_id = ${shopId} and id = ${categoryId} and deleted_at is null for key share`;
    if (!c) throw ERRORS.invalidReference('category_id is not a category of this shop');
  }
  if (method) {
    const [s] = await tx<{ ok: boolean }[]>`select ${method} = any(payment_methods) as ok from shop_settings where shop_id = ${shopId}`;
    if (!s?.ok) throw ERRORS.businessRule('unknown_payment_method', "payment_method is not one of the shop's payment methods");
  }
}

/** The column changes of a PATCH body: `amount` becomes `amount_fils`. 400 when nothing is left to change. */
export function columnChanges(body: Record<string, unknown>, amountFils: number | undefined): Record<string, unknown> {
  const { amount: _, ...rest } = body;
  const changes: Record<string, unknown> = amountFils === undefined ? rest : { ...rest, amount_fils: amountFils };
  // unknown fields are dropped by the validator, so a body of only unknown fields arrives empty
  if (Object.keys(changes).length === 0) throw ERRORS.validation([{ field: 'body', message: 'must name at least one known field' }]);
  return changes;
}
