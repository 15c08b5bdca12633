/**
 * Appends one event to the shop's stream inside the caller's transaction. The number comes from
 * `UPDATE shop_counters ... RETURNING`: the row lock it takes is held until commit, so a shop's
 * events are numbered gap-free and in commit order (a second writer of the same shop waits for
 * the first to commit). Events carry ids and small facts, never whole rows.
 */
import type { Db } from '../../db/client.ts';
import type { EventKind, EventPayloads } from './payloads.ts';

/** Every kind of event a shop's stream holds, as a list (payloads.ts EventPayloads is the map). */
export const EVENT_KINDS = [
  'bill_created',
  'payment_added',
  'bill_cancelled',
  'expense_created',
  'expense_updated',
  'expense_deleted',
  'customer_created',
  'customer_deleted',
  'loyalty_retiered',
  'timezone_changed',
] as const satisfies readonly EventKind[];
// the list names every kind of the map (a kind added to the map and not here fails to compile)
const everyKind: Exclude<EventKind, (typeof EVENT_KINDS)[number]> extends never ? true : never = true;
void everyKind;

export type { EventKind };

export async function appendEvent<K extends EventKind>(tx: Db, shopId: number, kind: K, entityId: number, payload: EventPayloads[K]): Promise<number> {
  const [row] = await tx<{ seq: number }[]>`
    with next as (
      update shop_counters set event_seq = event_seq + 1 where shop_id = ${shopId} returning event_seq
    )
    insert into events (shop_id, seq, kind, entity_id, payload)
    select ${shopId}, event_seq, ${kind}, ${entityId}, ${tx.json(payload)} from next
    returning seq`;
  if (!row) throw new Error(`shop ${shopId} has no counter row`);
  return row.seq;
}

/**
 * Appends several events of one kind in one statement (numbered as appendEvent does, in the
 * order given): a recurring expense that catches up a year writes its events at once.
 */
export async function appendEvents<K extends EventKind>(
  tx: Db,
  shopId: number,
  kind: K,
  entries: { entity_id: number; payload: EventPayloads[K] }[],
): Promise<void> {
  if (entries.length === 0) return;
  const n = entries.length;
  const rows = await tx`
    with next as (
      update shop_counters set event_seq = event_seq + ${n} where shop_id = ${shopId} returning event_seq
    )
    insert into events (shop_id, seq, kind, entity_id, payload)
    select ${shopId}, next.event_seq - ${n} + e.ord, ${kind}, (e.value->>'entity_id')::bigint, e.value->'payload'
    from next, jsonb_array_elements(${tx.json(entries as never)}) with ordinality as e(value, ord)
    order by e.ord
    returning seq`;
  if (rows.length !== n) throw new Error(`shop ${shopId} has no counter row`);
}
