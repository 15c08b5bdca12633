/** Reads of the event log and the shops' counters, for the aggregator and its catch-up. */
import type { Db } from '../../db/client.ts';
import type { EventRow } from './ops.ts';

/** A shop's events with after < seq <= upTo (upTo default: no bound), oldest first, at most `limit`. */
export async function eventsAfter(sql: Db, shopId: number, after: number, limit: number, upTo?: number): Promise<EventRow[]> {
  return sql<EventRow[]>`
    select seq, kind, entity_id, payload from events
    where shop_id = ${shopId} and seq > ${after} ${upTo === undefined ? sql`` : sql`and seq <= ${upTo}`}
    order by seq limit ${limit}`;
}

/** Every shop's last event seq (one row per shop: the sweep's list of shops). */
export async function shopCounters(sql: Db): Promise<{ shop_id: number; event_seq: number }[]> {
  return sql<{ shop_id: number; event_seq: number }[]>`select shop_id, event_seq from shop_counters`;
}

/** Whether a shop with this id exists (it has a counter row). */
export async function isShop(sql: Db, shopId: number): Promise<boolean> {
  const [row] = await sql`select 1 from shop_counters where shop_id = ${shopId}`;
  return row !== undefined;
}

/** How many shops' marks one statement writes: bounds its size when every shop's mark moved. */
const MARKS_PER_STATEMENT = 5000;

/**
 * Copies shops' live-feed watermarks ("fed", mark-fed.lua) to Postgres (migration 0048), where a
 * rebuild after Redis lost its state finds them (rebuild.ts). A mark only moves forward: several
 * aggregators write, each with what it read a moment ago.
 */
export async function recordFeedMarks(sql: Db, marks: { shopId: number; fed: number }[]): Promise<void> {
  for (let i = 0; i < marks.length; i += MARKS_PER_STATEMENT) {
    const part = marks.slice(i, i + MARKS_PER_STATEMENT);
    await sql`
      insert into feed_marks (shop_id, fed_seq)
      select * from unnest(${part.map((m) => m.shopId)}::bigint[], ${part.map((m) => m.fed)}::bigint[])
      on conflict (shop_id) do update set fed_seq = excluded.fed_seq
      where feed_marks.fed_seq < excluded.fed_seq`;
  }
}
