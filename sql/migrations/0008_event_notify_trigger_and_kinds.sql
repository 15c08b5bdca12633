-- 0008 the in-transaction NOTIFY placement, and the customer_deleted event kind.
--
-- The aggregator is woken by NOTIFY tajir_events '<shop ids>'. Two placements exist and both are
-- measured (bench/RESULTS.md): this trigger, NOTIFY inside the write transaction, which fires only
-- on connections that set tajir.notify_in_tx = on (config NOTIFY_MODE=in_transaction, the
-- default); and one coalesced NOTIFY right after commit (src/domain/events/poke.ts,
-- NOTIFY_MODE=after_commit). Either can be chosen without a schema change.

create function events_notify_in_tx() returns trigger language plpgsql as $$
begin
  if current_setting('tajir.notify_in_tx', true) = 'on' then
    perform pg_notify('tajir_events', new.shop_id::text);
  end if;
  return new;
end $$;

create trigger events_notify_in_tx after insert on events
  for each row execute function events_notify_in_tx();

-- Deleting a customer moves the dashboard's customer count, so it is an event too.
alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in (
  'bill_created', 'payment_added', 'bill_cancelled',
  'expense_created', 'expense_updated', 'expense_deleted',
  'customer_created', 'customer_deleted'));
