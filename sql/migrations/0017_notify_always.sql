-- 0017 one wake path: the events trigger always sends the NOTIFY.
--
-- Until now it sent one only when the session set tajir.notify_in_tx (the default), and a second
-- placement sent one coalesced NOTIFY after commit instead. The after-commit placement measured
-- worse on both throughput and lag (bench/RESULTS.md) and is gone, so the setting is too: every
-- connection that writes an event wakes the aggregators, the worker's pool included (its
-- recurring expenses used to wait for the sweep). Payload as in 0010: the event as JSON, or only
-- the shop id when the event would not fit in 8000 bytes.
create or replace function events_notify_in_tx() returns trigger language plpgsql as $$
declare
  body text;
begin
  body := json_build_object('shop', new.shop_id, 'seq', new.seq, 'kind', new.kind,
                            'entity_id', new.entity_id, 'payload', new.payload)::text;
  if octet_length(body) < 7900 then
    perform pg_notify('tajir_events', body);
  else
    perform pg_notify('tajir_events', new.shop_id::text);
  end if;
  return new;
end $$;
