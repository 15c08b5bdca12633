/** UAE cities and areas: reference data any authenticated caller may read (DOMAIN.md section 2). */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import * as q from './queries.ts';

export async function listCities(sql: Db): Promise<{ items: q.CityRow[] }> {
  return { items: await q.listCities(sql) };
}

/** Areas of a city; 404 for a city that is not in the reference list (an empty list would hide a bad id). */
export async function listAreas(sql: Db, cityId: number): Promise<{ items: q.AreaRow[] }> {
  const items = await q.listAreas(sql, cityId);
  if (items.length === 0 && !(await q.cityExists(sql, cityId))) throw ERRORS.notFound('City');
  return { items };
}
