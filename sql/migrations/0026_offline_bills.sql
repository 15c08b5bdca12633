-- 0026 Bills sold offline at a terminal, synced later (issue 17, API.md "The counter").
--
-- bills.client_created_at: when the terminal sold it (the bill's date, number, VAT rate and
-- dashboard buckets follow it); null for bills made online.
-- bills.offline_ref: the terminal's own reference (terminal id and a local counter). Unique per
-- terminal: a bill synced twice (e.g. after its Idempotency-Key was purged) is found, not re-made.
-- product_prices: each product's rate over time, written by a trigger on every insert and rate
-- change, so an offline line can be checked against the price at the time of sale. Existing
-- products start with their current rate from their creation (nothing older is known).

alter table bills add column client_created_at timestamptz, add column offline_ref text;
create unique index bills_offline_ref_key on bills (shop_id, created_by_terminal, offline_ref) where offline_ref is not null;

create table product_prices (
  shop_id    bigint not null,
  product_id bigint not null,
  valid_from timestamptz not null,
  rate_fils  bigint not null check (rate_fils > 0),
  primary key (shop_id, product_id, valid_from),
  foreign key (shop_id, product_id) references products (shop_id, id)
);

insert into product_prices (shop_id, product_id, valid_from, rate_fils)
select shop_id, id, created_at, rate_fils from products;

-- Parameters: the new products row. Records its rate from now (the transaction's time) on insert
-- and whenever rate_fils changes. Two changes in one transaction keep the last.
create function record_product_price() returns trigger language plpgsql as $$
begin
  insert into product_prices (shop_id, product_id, valid_from, rate_fils)
  values (new.shop_id, new.id, now(), new.rate_fils)
  on conflict (shop_id, product_id, valid_from) do update set rate_fils = excluded.rate_fils;
  return null;
end $$;

create trigger products_price_on_insert after insert on products
for each row execute function record_product_price();
create trigger products_price_on_change after update of rate_fils on products
for each row when (old.rate_fils is distinct from new.rate_fils) execute function record_product_price();
