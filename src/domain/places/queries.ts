/** SQL of the UAE reference places (sql/migrations/0006): shared by every shop, so no shop_id. */
import type { Db } from '../../db/client.ts';

export interface CityRow {
  id: number;
  name: string;
  name_ar: string;
}

export interface AreaRow {
  id: number;
  name: string;
}

/** Cities in the reference order of the migration (Dubai, Abu Dhabi, Sharjah, ...), which is how pickers list them. */
export async function listCities(sql: Db): Promise<CityRow[]> {
  return sql<CityRow[]>`select id, name, name_ar from uae_cities order by id`;
}

export async function cityExists(sql: Db, id: number): Promise<boolean> {
  const rows = await sql`select 1 from uae_cities where id = ${id}`;
  return rows.length > 0;
}

/** Areas of one city by name. */
export async function listAreas(sql: Db, cityId: number): Promise<AreaRow[]> {
  return sql<AreaRow[]>`select id, name from uae_areas where city_id = ${cityId} order by name, id`;
}
