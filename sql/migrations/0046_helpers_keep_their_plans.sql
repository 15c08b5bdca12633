-- 0046 The helper functions a bill, a payment and a cancellation call keep their plans (issue 20).
--
-- They were LANGUAGE sql. PostgreSQL 15 inlines a SQL function only when its body is one simple
-- expression of functions no more volatile than it is declared; these read tables, or call
-- to_char (stable) while declared immutable, so none was inlined. A SQL function that is not
-- inlined is parsed, analysed and planned again at every call (fmgr_sql keeps nothing between
-- statements), and a bill called six of them. perf on the PostgreSQL backends during
-- bench/billing.ts put 18% of their CPU under fmgr_sql, most of it the parser and the planner
-- (bench/RESULTS.md, "The helper functions keep their plans").
--
-- The same bodies in PL/pgSQL: PL/pgSQL prepares each statement once per connection and reuses the
-- plan, and evaluates a simple expression (bill_number, iso_ms) without the executor. Names,
-- arguments, results, volatility and what each returns for a missing row are unchanged.

create or replace function read_versions_of(p_shop bigint, p_sections text[]) returns jsonb language plpgsql stable as $$
begin
  return (select coalesce(jsonb_object_agg(s.section, coalesce(r.version, 0)), '{}'::jsonb)
    from unnest(p_sections) s(section)
    left join read_versions r on r.shop_id = p_shop and r.section = s.section);
end
$$;

create or replace function bill_input_versions(p_shop bigint) returns jsonb language plpgsql stable as $$
begin
  return read_versions_of(p_shop, array['settings', 'catalogue', 'employees']);
end
$$;

create or replace function bill_customer_json(p_shop bigint, p_id bigint) returns jsonb language plpgsql stable as $$
begin
  return (select jsonb_build_object('id', c.id, 'name', c.name, 'phone', c.phone, 'city', c.city, 'area', c.area,
      'trn', c.trn, 'customer_type', c.customer_type)
    from customers c where c.shop_id = p_shop and c.id = p_id and c.deleted_at is null);
end
$$;

create or replace function bill_inputs_current(p jsonb) returns boolean language plpgsql stable as $$
begin
  return read_versions_of((p->>'shop_id')::bigint, array(select jsonb_object_keys(p->'expect'->'versions')))
      = p->'expect'->'versions'
    and ((p->'bill'->>'created_at')::timestamptz at time zone (p->>'timezone'))::date = (p->>'today')::date
    and (p->'expect'->'customer' = 'null'::jsonb
      or bill_customer_json((p->>'shop_id')::bigint, (p->'expect'->'customer'->>'id')::bigint) = p->'expect'->'customer');
end
$$;

create or replace function kept_settings_current(p jsonb) returns boolean language plpgsql stable as $$
begin
  return read_versions_of((p->>'shop_id')::bigint, array['settings']) = p->'expect'->'versions';
end
$$;

create or replace function loyalty_tiers_json(p_shop bigint) returns jsonb language plpgsql stable as $$
begin
  return (select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'threshold_points', t.threshold_points,
      'multiplier', t.multiplier, 'discount_percent', t.discount_percent) order by t.id), '[]'::jsonb)
    from loyalty_tiers t where t.shop_id = p_shop);
end
$$;

create or replace function bill_rows_json(p_shop bigint, p_bill bigint) returns jsonb language plpgsql stable as $$
begin
  return (select jsonb_build_object(
      'bill', to_jsonb(b),
      'lines', (select coalesce(jsonb_agg(to_jsonb(l) order by l.line_no), '[]'::jsonb) from bill_lines l where l.shop_id = p_shop and l.bill_id = p_bill),
      'payments', (select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'amount_fils', x.amount_fils, 'method', x.method, 'kind', x.kind, 'paid_at', x.paid_at) order by x.id), '[]'::jsonb)
                   from payments x where x.shop_id = p_shop and x.bill_id = p_bill),
      'standing', (select jsonb_build_object('available_points', a.available_points, 'tier', t.name)
                   from loyalty_accounts a left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
                   where a.shop_id = p_shop and a.customer_id = b.customer_id))
    from bills b where b.shop_id = p_shop and b.id = p_bill);
end
$$;

create or replace function iso_ms(t timestamptz) returns text language plpgsql immutable as $$
begin
  return to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
end
$$;

-- strict as before: a null day or number gives null without a call
create or replace function bill_number(day date, n integer) returns text
language plpgsql immutable strict parallel safe as $$
begin
  return 'BILL-' || to_char(day, 'YYYYMMDD') || '-' || lpad(n::text, greatest(3, length(n::text)), '0');
end
$$;
