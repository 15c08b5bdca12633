-- 0016 Changing the shop's time zone is an event.
--
-- The aggregates file each bill under its local hour and each payment under its local day, in
-- the zone in force when it happened; a snapshot of Postgres (rebuild, verify) files them in the
-- zone in force now. After a zone change the two disagree, so the aggregator rebuilds the shop's
-- aggregates when it applies this event (domain/aggregates/catch-up.ts).
alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in (
  'bill_created', 'payment_added', 'bill_cancelled',
  'expense_created', 'expense_updated', 'expense_deleted',
  'customer_created', 'customer_deleted',
  'loyalty_retiered', 'timezone_changed'));
