-- 0010 the in-transaction NOTIFY carries the event itself.
--
-- Until now the trigger sent only the shop id, and the aggregator answered every wake-up by
-- reading the new events back from Postgres: one more query per event, and one more round trip
-- between a bill's commit and its push to the managers. The payload is now the event as JSON,
-- {"shop", "seq", "kind", "entity_id", "payload"}; an aggregator that has applied exactly up to
-- seq - 1 applies it as is (the seq guard in apply-events.lua still makes that exactly-once) and
-- otherwise catches up from Postgres as before. NOTIFY payloads must stay under 8000 bytes: a
-- larger event (a bill with very many lines) still sends only the shop id. Correctness never
-- depends on a notification arriving; the sweep catches up whatever is missed.
create or replace function events_notify_in_tx() returns trigger language plpgsql as $$
declare
  body text;
begin
  if current_setting('tajir.notify_in_tx', true) = 'on' then
    body := json_build_object('shop', new.shop_id, 'seq', new.seq, 'kind', new.kind,
                              'entity_id', new.entity_id, 'payload', new.payload)::text;
    if octet_length(body) < 7900 then
      perform pg_notify('tajir_events', body);
    else
      perform pg_notify('tajir_events', new.shop_id::text);
    end if;
  end if;
  return new;
end $$;
