/**
 * The settings version: one integer per shop, raised by exactly one for every change of any
 * section, and pushed with the section's new value so terminals can tell which settings they run
 * on (they acknowledge it with `settings:ack`).
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { ChangeNotifier } from '../common/index.ts';

export type Section = 'shop_info' | 'billing_config' | 'payment_methods' | 'locale' | 'vat_rates' | 'loyalty';

/** Raises the shop's settings version by one and returns it; holds the shop_settings row lock until commit. */
export async function bumpVersion(tx: Db, shopId: number): Promise<number> {
  const [r] = await tx<{ version: number }[]>`
    update shop_settings set version = version + 1, updated_at = now() where shop_id = ${shopId} returning version`;
  if (!r) throw ERRORS.notFound('Shop');
  return r.version;
}

/**
 * Runs one settings change in a transaction and pushes it after commit.
 *
 * The version is bumped FIRST: the row lock it takes serialises every settings change of the shop,
 * so `change` sees the committed result of the change before it, and the value pushed with version
 * N is exactly the state after change N (two concurrent VAT additions could otherwise each push a
 * list missing the other's rate). `change` returns the section's new value, which is what the
 * notifier receives; the caller gets `{[section]: value, version}`.
 */
export async function changeSettings<S extends Section, T>(
  sql: Sql,
  notifier: ChangeNotifier,
  shopId: number,
  section: S,
  change: (tx: Db) => Promise<T>,
): Promise<{ [K in S]: T } & { version: number }> {
  const { value, version } = await sql.begin(async (tx) => {
    const version = await bumpVersion(tx, shopId);
    return { value: await change(tx), version };
  });
  notifier.settingsChanged(shopId, version, section, value);
  return { [section]: value, version } as { [K in S]: T } & { version: number };
}
