-- 0043 A bill in one round trip on a warm node (issue 20).
--
-- Since 0040 a bill costs two statements: one reads what its plan needs (the shop's settings and
-- VAT rate, the products, the employee, the customer and its account), one writes it. Most of
-- that read is the same bill after bill: a node keeps it (src/domain/billing/inputs-cache.ts)
-- under the versions it was read at, and sends the bill's write with those versions. The write
-- goes ahead only when they are still the shop's versions, so a plan is never made on a price,
-- rate or setting that has changed: a node that kept an old one learns it from the refused write
-- and reads afresh (the two statements of before).
--
-- Two more sections move with what a bill's plan reads: 'settings' (shop settings, VAT rates, the
-- loyalty programme and its tiers) and 'employees'. 'catalogue' (0042) covers the products.
alter table read_versions drop constraint read_versions_section_check;
alter table read_versions add constraint read_versions_section_check
  check (section in ('catalogue', 'customers', 'bills', 'settings', 'employees'));

create constraint trigger shop_settings_read_version after insert or update or delete on shop_settings
  deferrable initially deferred for each row execute function bump_read_version('settings');
create constraint trigger vat_rates_read_version after insert or update or delete on vat_rates
  deferrable initially deferred for each row execute function bump_read_version('settings');
create constraint trigger loyalty_config_read_version after insert or update or delete on loyalty_config
  deferrable initially deferred for each row execute function bump_read_version('settings');
create constraint trigger loyalty_tiers_read_version after insert or update or delete on loyalty_tiers
  deferrable initially deferred for each row execute function bump_read_version('settings');
create constraint trigger employees_read_version after insert or update or delete on employees
  deferrable initially deferred for each row execute function bump_read_version('employees');

-- The shop's versions of the given sections, as {section: version} (0 for one never changed).
create function read_versions_of(p_shop bigint, p_sections text[]) returns jsonb language sql stable as $$
  select coalesce(jsonb_object_agg(s.section, coalesce(r.version, 0)), '{}'::jsonb)
  from unnest(p_sections) s(section)
  left join read_versions r on r.shop_id = p_shop and r.section = s.section
$$;

-- The versions a bill's plan depends on (src/domain/billing/read.ts INPUT_SECTIONS names the same).
create function bill_input_versions(p_shop bigint) returns jsonb language sql stable as $$
  select read_versions_of(p_shop, array['settings', 'catalogue', 'employees'])
$$;

-- A bill customer's fields as the plan and the bill's snapshot use them (src/domain/billing/read.ts).
create function bill_customer_json(p_shop bigint, p_id bigint) returns jsonb language sql stable as $$
  select jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone, 'city', c.city, 'area', c.area,
    'trn', c.trn, 'customer_type', c.customer_type)
  from customers c where c.shop_id = p_shop and c.id = p_id and c.deleted_at is null
$$;

-- Whether a bill planned from a node's kept inputs may be written: `p` is bill_write's argument
-- with `expect` = {versions: {section: version}, customer: the customer's fields or null}. True
-- when the shop's versions are those, the customer (when the bill names one) is as kept, and the
-- bill's day is the shop-local date of its time of sale (the node computed it from the kept time
-- zone). The customer's loyalty account is not compared here: bill_write compares it under lock.
create function bill_inputs_current(p jsonb) returns boolean language sql stable as $$
  select read_versions_of((p->>'shop_id')::bigint, array(select jsonb_object_keys(p->'expect'->'versions')))
      = p->'expect'->'versions'
    and ((p->'bill'->>'created_at')::timestamptz at time zone (p->>'timezone'))::date = (p->>'today')::date
    and (p->'expect'->'customer' = 'null'::jsonb
      or bill_customer_json((p->>'shop_id')::bigint, (p->'expect'->'customer'->>'id')::bigint) = p->'expect'->'customer')
$$;
