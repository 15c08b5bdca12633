-- 0019 An Idempotency-Key belongs to the principal that sent it, not to the whole shop.
--
-- Two terminals of one shop that happen to send the same key (e.g. both count from 1) make two
-- bills; the same terminal retrying gets the stored response. A user and a terminal are different
-- principals even when their ids are equal. Keys written before this migration get principal
-- ('user', 0), which nobody is: they are never replayed again and are purged after 48 h.

alter table idempotency_keys
  add column principal_kind text not null default 'user' check (principal_kind in ('user', 'terminal')),
  add column principal_id bigint not null default 0;
alter table idempotency_keys alter column principal_kind drop default, alter column principal_id drop default;
-- the constraint keeps its name: a clash on it is how a concurrent retry is recognised
alter table idempotency_keys drop constraint idempotency_keys_pkey;
alter table idempotency_keys add constraint idempotency_keys_pkey primary key (shop_id, principal_kind, principal_id, key);
