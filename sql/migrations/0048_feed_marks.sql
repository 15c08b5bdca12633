-- 0048 Each shop's live-feed watermark, kept in Postgres as well as in Redis.
--
-- Redis's "fed" (mark-fed.lua) says every event up to it reached the shop's live feed. When Redis
-- loses its state, a running aggregator still remembers what it pushed and its rebuild hands the
-- events after that on to the feed (src/domain/aggregates/catch-up.ts). An aggregator that starts
-- while Redis is empty remembers nothing, and its rebuild folded the bills committed during the
-- outage into the new state without one bill:created. The sweep now copies "fed" here every few
-- seconds (src/workers/aggregator.ts), and a rebuild that knows nothing better hands on the
-- events after this mark: at worst the last sweep interval's events are sent twice (bill:created
-- carries its seq and bill id, and the dashboard page drops a bill it shows already), never none.
--
-- Its own table, not a column of shop_counters: every bill updates that row, and the sweep's
-- write must not queue behind the shop's bills for the row lock.
create table feed_marks (
  shop_id bigint primary key references shops(id),
  fed_seq bigint not null check (fed_seq >= 0)
);
