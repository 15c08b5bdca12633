-- 0042 Exact read caches (issue 20, item 5). The product, customer and bill lists are kept per node
-- as written answers (src/rest/http/read-cache.ts), keyed by the shop's version of what they
-- read. The versions live here and move in the same transaction as the change, so an answer cached
-- under a version can never outlive it: any node that reads the versions after a commit sees the
-- new one and reads afresh. Nothing in the service bumps them by hand; these triggers do, for
-- every writer (routes, the bill functions, the seed, a psql session).
create table read_versions (
  shop_id bigint not null references shops(id),
  section text not null check (section in ('catalogue', 'customers', 'bills')),
  version bigint not null default 1,
  primary key (shop_id, section)
);

-- Deferred to the commit, so the version row is the last lock a transaction takes: the bill
-- functions lock loyalty accounts, bill rows and the shop's event counter in orders of their own,
-- and a version row taken in the middle of them could close a deadlock cycle (a bill and a
-- cancellation of the same customer at once). A constraint trigger is per row, so a transaction
-- bumps each (shop, section) once and skips its other rows through a transaction-local flag: a
-- bulk load of 100,000 customers costs one bump, not 100,000.
create function bump_read_version() returns trigger language plpgsql as $$
declare
  v_shop bigint;
  v_flag text;
begin
  if tg_op = 'DELETE' then v_shop := old.shop_id; else v_shop := new.shop_id; end if;
  v_flag := 'tajir_read_version.' || tg_argv[0] || '_' || v_shop;
  if current_setting(v_flag, true) = 'bumped' then return null; end if;
  perform set_config(v_flag, 'bumped', true);
  insert into read_versions (shop_id, section) values (v_shop, tg_argv[0])
  on conflict (shop_id, section) do update set version = read_versions.version + 1;
  return null;
end
$$;

create constraint trigger products_read_version after insert or update or delete on products
  deferrable initially deferred for each row execute function bump_read_version('catalogue');
create constraint trigger product_types_read_version after insert or update or delete on product_types
  deferrable initially deferred for each row execute function bump_read_version('catalogue');
create constraint trigger customers_read_version after insert or update or delete on customers
  deferrable initially deferred for each row execute function bump_read_version('customers');
create constraint trigger bills_read_version after insert or update or delete on bills
  deferrable initially deferred for each row execute function bump_read_version('bills');
