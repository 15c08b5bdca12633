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

/**
 * How many of a backlog's events reach the live feed at most: its newest. A backlog is what piles
 * up while no aggregator applies a shop's events (all of them down, Redis lost) or while a dead
 * process's events wait as a hole; when it is applied, the events older than its last
 * FEED_BACKLOG are marked sent without their messages (bill:created, loyalty:update). A feed is
 * a live account of the latest sales: the dashboard page shows 20, and a thousand bills of an
 * hour-long outage sent in one burst to every manager's socket would only push the latest out of
 * sight and could pass the socket's buffer cap (a slow consumer, disconnected). Every bill stays in
 * the figures and in GET /api/bills, and the dashboard:update after a backlog carries its totals.
 */
export const FEED_BACKLOG = 500;

/** The shop's last committed event seq; undefined for no shop. */
export async function headSeq(sql: Db, shopId: number): Promise<number | undefined> {
  const [row] = await sql<{ event_seq: number }[]>`select event_seq from shop_counters where shop_id = ${shopId}`;
  return row?.event_seq;
}

/** Every shop's last event seq (one row per shop: the sweep's list of shops). */
export async function shopCounters(sql: Db): Promise<{ shop_id: number; event_seq: number }[]> {
  return sql<{ shop_id: number; event_seq: number }[]>`select shop_id, event_seq from shop_counters`;
}

/** Whether a shop with this id exists (it has a counter row). */
export async function isShop(sql: Db, shopId: number): Promise<boolean> {
  return (await headSeq(sql, shopId)) !== undefined;
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
