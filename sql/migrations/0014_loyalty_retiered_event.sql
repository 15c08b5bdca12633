-- 0014 A tier replacement that moves or renames accounts' tiers is an event too.
--
-- The aggregates hold each loyalty account as Postgres has it after the last event (tier id and
-- tier name included). A tier replacement rewrites accounts' tiers in Postgres; without an event
-- the Redis copy kept the old tier until the customer's next bill, the aggregate verifier saw a
-- difference, and no loyalty:update told the counters.
alter table events drop constraint events_kind_check;
alter table events add constraint events_kind_check check (kind in (
  'bill_created', 'payment_added', 'bill_cancelled',
  'expense_created', 'expense_updated', 'expense_deleted',
  'customer_created', 'customer_deleted',
  'loyalty_retiered'));
