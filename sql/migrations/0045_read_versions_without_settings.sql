-- 0045 Read versions bumped once per transaction without a setting per shop.
--
-- 0042 marked "(section, shop) already bumped in this transaction" in a transaction-local custom
-- setting named after the shop (tajir_read_version.bills_<shop>). PostgreSQL keeps every such name
-- as a placeholder for the life of the backend, and before version 16 it sorts the whole list
-- each time it adds one, so a pooled connection that had served many shops paid for each new one.
-- On PostgreSQL 15 here (bench/read-versions.ts, one connection writing to 10,000 shops in turn) a
-- shop's first insert cost 0.6 ms at the start and 2.2 ms after 9,000 shops, growing with the
-- count; set_config alone took 0.85 s for 2,000 new names and 58.6 s for 16,000. A hosted
-- service's connections serve every shop, so each tenant added made every first write slower.
-- With this migration the same bench stays at 0.39-0.46 ms throughout.
--
-- Now the row remembers which transaction bumped it last (bumped_by), and a bump by the same
-- transaction leaves it as it is. One fixed setting keeps the last (section, shop) bumped, so a
-- bulk load of one shop's rows still skips the table for all rows after the first; rows of
-- several shops interleaved fall through to the row, which is exact.
alter table read_versions add column bumped_by xid8;

create or replace function bump_read_version() returns trigger language plpgsql as $$
declare
  v_shop bigint;
  v_mark text;
begin
  if tg_op = 'DELETE' then v_shop := old.shop_id; else v_shop := new.shop_id; end if;
  v_mark := tg_argv[0] || ' ' || v_shop;
  if current_setting('tajir.read_version_last', true) = v_mark then return null; end if;
  perform set_config('tajir.read_version_last', v_mark, true);
  insert into read_versions (shop_id, section, bumped_by) values (v_shop, tg_argv[0], pg_current_xact_id())
  on conflict (shop_id, section) do update set version = read_versions.version + 1, bumped_by = excluded.bumped_by
  where read_versions.bumped_by is distinct from excluded.bumped_by;
  return null;
end
$$;
