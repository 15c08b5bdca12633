/**
 * The masters a bill can name: active employees as id and name only. Terminals may not read the
 * employee list (phones, addresses, figures), but the counter must be able to pick the master.
 */
import type { Db } from '../../db/client.ts';

export function listMasters(sql: Db, shopId: number) {
  return sql<{ id: number; name: string }[]>`
    select id, name from employees where shop_id = ${shopId} and active and deleted_at is null order by lower(name), id`;
}
