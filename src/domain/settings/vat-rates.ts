/**
 * VAT rates with effective dates. At most one rate is in force on any shop-local date (the
 * exclusion constraint vat_rates_no_overlap); bills store the rate they were computed with, so
 * changing or removing a rate never alters an issued bill.
 *
 * Rules for adding a rate (so announcing a change needs one request, not an edit of the current rate):
 * - A rate starting after the start of the open-ended rate (the current one, effective_to null)
 *   closes that rate the day before it starts.
 * - If the new rate is itself bounded (a temporary rate, e.g. a VAT holiday), the open-ended rate
 *   resumes the day after it ends: a copy of it is added from effective_to + 1, open-ended.
 * - Any other overlap is a conflict (409): bounded rates are never cut automatically.
 *
 * Removing a rate undoes those steps: a rate ending the day before the removed one starts is
 * stretched over the removed period, and if the rate right after has the same percentage the two
 * are merged, so add-then-delete leaves the list as it was and never opens a gap by itself.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { twoDecimals } from '../common/index.ts';
import type { VatRate, VatRateBody } from './schema.ts';

/** Every VAT rate of the shop, oldest first. */
export async function vatRates(sql: Db, shopId: number): Promise<VatRate[]> {
  const rows = await sql<VatRate[]>`
    select id, rate_percent, effective_from, effective_to from vat_rates
    where shop_id = ${shopId} order by effective_from, id`;
  return [...rows]; // a plain array: it is pushed to clients as is
}

/**
 * The VAT rate (percent) in force on a shop-local date 'YYYY-MM-DD', or undefined when none is.
 * The rule lives in the SQL function vat_rate_on (migration 0009), which bill creation also uses.
 */
export async function vatRateOn(sql: Db, shopId: number, date: string): Promise<number | undefined> {
  const [r] = await sql<{ rate_percent: number }[]>`select rate_percent from vat_rate_on(${shopId}, ${date}::date)`;
  return r?.rate_percent;
}

function checkRate(body: VatRateBody): void {
  const errors = twoDecimals({ rate_percent: body.rate_percent });
  if (body.effective_to && body.effective_to < body.effective_from) {
    errors.push({ field: 'effective_to', message: 'must not be before effective_from' });
  }
  if (errors.length) throw ERRORS.validation(errors);
}

/** Adds a rate (rules above) inside the caller's transaction; returns the shop's full list. */
/** Adds a rate; answers it and the shop's rates after the change (the section that is pushed). */
export async function addVatRate(tx: Db, shopId: number, body: VatRateBody): Promise<{ rate: VatRate; rates: VatRate[] }> {
  checkRate(body);
  const to = body.effective_to ?? null;
  const [open] = await tx<{ id: number; rate_percent: number }[]>`
    select id, rate_percent from vat_rates
    where shop_id = ${shopId} and effective_to is null and effective_from < ${body.effective_from}::date
    for update`;
  if (open) {
    await tx`update vat_rates set effective_to = ${body.effective_from}::date - 1 where id = ${open.id}`;
    if (to !== null) {
      await tx`
        insert into vat_rates (shop_id, rate_percent, effective_from)
        values (${shopId}, ${open.rate_percent}, ${to}::date + 1)`;
    }
  }
  const [created] = await tx<{ id: number }[]>`
    insert into vat_rates (shop_id, rate_percent, effective_from, effective_to)
    values (${shopId}, ${body.rate_percent}, ${body.effective_from}, ${to}) returning id`;
  const rates = await vatRates(tx, shopId);
  return { rate: rates.find((r) => r.id === created!.id)!, rates };
}

/** Removes a rate (404 when it is not the shop's) and closes the gap it leaves (rules above). */
export async function deleteVatRate(tx: Db, shopId: number, id: number): Promise<VatRate[]> {
  const [gone] = await tx<{ effective_from: string; effective_to: string | null }[]>`
    delete from vat_rates where shop_id = ${shopId} and id = ${id} returning effective_from, effective_to`;
  if (!gone) throw ERRORS.notFound('VAT rate');
  const [prev] = await tx<{ id: number; rate_percent: number; effective_to: string | null }[]>`
    update vat_rates set effective_to = ${gone.effective_to}
    where shop_id = ${shopId} and effective_to = ${gone.effective_from}::date - 1
    returning id, rate_percent, effective_to`;
  if (prev && prev.effective_to !== null) {
    const [next] = await tx<{ effective_to: string | null }[]>`
      delete from vat_rates
      where shop_id = ${shopId} and effective_from = ${prev.effective_to}::date + 1 and rate_percent = ${prev.rate_percent}
      returning effective_to`;
    if (next) await tx`update vat_rates set effective_to = ${next.effective_to} where id = ${prev.id}`;
  }
  return vatRates(tx, shopId);
}
