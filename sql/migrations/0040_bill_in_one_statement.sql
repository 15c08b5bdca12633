-- 0040 A bill in one round trip (issue 20).
--
-- A bill used to cost BEGIN, five statements and COMMIT, each a round trip the cashier waited
-- for; on a busy machine every one also waits for the scheduler. Now the service reads what the
-- bill needs in one statement (no transaction: a snapshot), plans it in TypeScript (the rules and
-- the arithmetic stay there, src/domain/billing/plan.ts) and writes it with one call of bill_write:
-- one statement, so one implicit transaction and one round trip. What the plan depended on and a
-- concurrent writer may have changed meanwhile (the customer's loyalty account and the shop's
-- tiers; a customer created by phone) is locked and compared here; when it moved, bill_write
-- raises SQLSTATE TJ001 and the service plans again. Everything else the plan read (prices,
-- settings, VAT, the employee) was read without locks before as well.

-- A shop's tiers in one canonical form: the bill's read and its write compare their md5.
create function loyalty_tiers_json(p_shop bigint) returns jsonb language sql stable as $$
  select coalesce(jsonb_agg(jsonb_build_object('id', t.id, 'name', t.name, 'threshold_points', t.threshold_points,
    'multiplier', t.multiplier, 'discount_percent', t.discount_percent) order by t.id), '[]'::jsonb)
  from loyalty_tiers t where t.shop_id = p_shop
$$;

-- Writes one planned bill. `p` (built by src/domain/billing/write.ts):
--   shop_id, today, timezone;
--   key: {kind, id, key, route, hash, status} or null (Idempotency-Key);
--   customer_id: an existing customer, or null; new_customer: {name, phone, city, area,
--     customer_type, business_name, trn} to create (by phone), or null; customer_name;
--   loyalty: {expect: {available_points, lifetime_points, tier_id}, tiers_md5, redeemed, earned,
--     total, span_lo, span_hi (null: unbounded), tier_after_id, tier_after_name,
--     ledger: [{kind, points}], snapshot}
--     or null (programme off or no customer);
--   bill: the bills columns the plan decided; lines, payments: their rows' columns;
--   event: the bill_created payload without what only this function knows, or null.
-- Returns {replay: {status, response, request_hash}} when the key was done already, else
-- {bill, lines, payments, standing, seq, hour, loyalty}. The stored response of a key is
-- {bill_rows: {bill, lines, payments, standing}}, presented by the service on replay.
-- Every statement of a volatile plpgsql function takes a new snapshot under read committed, so
-- the tiers read after the programme lock see any replacement that lock waited for
-- (src/domain/billing/loyalty-lock.ts explains why that matters).
create function bill_write(p jsonb) returns jsonb language plpgsql as $$
declare
  v_shop bigint := (p->>'shop_id')::bigint;
  v_key jsonb := p->'key';
  v_loy jsonb := p->'loyalty';
  v_customer_id bigint := (p->>'customer_id')::bigint;
  v_number text;
  v_bill bills;
  v_hour int;
  v_lines jsonb;
  v_payments jsonb;
  v_standing jsonb;
  v_snapshot jsonb;
  v_event jsonb := p->'event';
  v_seq bigint;
  v_result jsonb;
  v_prior record;
  v_acc record;
  v_after record;
begin
  -- The key first: a concurrent retry with the same key waits here until this one commits, then
  -- answers what it stored.
  if v_key is not null and v_key <> 'null'::jsonb then
    insert into idempotency_keys (shop_id, principal_kind, principal_id, key, route, request_hash, status, response)
    values (v_shop, v_key->>'kind', (v_key->>'id')::bigint, v_key->>'key', v_key->>'route', v_key->>'hash', 0, '{}'::jsonb)
    on conflict (shop_id, principal_kind, principal_id, key) do nothing;
    if not found then
      select status, response, request_hash into v_prior from idempotency_keys
      where shop_id = v_shop and principal_kind = v_key->>'kind' and principal_id = (v_key->>'id')::bigint and key = v_key->>'key';
      return jsonb_build_object('replay', jsonb_build_object('status', v_prior.status, 'response', v_prior.response, 'request_hash', v_prior.request_hash));
    end if;
  else
    v_key := null;
  end if;

  if p->'new_customer' <> 'null'::jsonb then
    insert into customers (shop_id, name, phone, city, area, customer_type, business_name, trn)
    select v_shop, c.name, c.phone, c.city, c.area, c.customer_type, c.business_name, c.trn
    from jsonb_populate_record(null::customers, p->'new_customer') c
    on conflict (shop_id, phone) where deleted_at is null do nothing
    returning id into v_customer_id;
    if v_customer_id is null then
      raise exception 'a customer with this phone was created meanwhile' using errcode = 'TJ001';
    end if;
  end if;

  if v_loy is not null and v_loy <> 'null'::jsonb then
    -- programme lock, then the account (putTiers' order: the two never deadlock)
    perform 1 from loyalty_config where shop_id = v_shop for share;
    insert into loyalty_accounts (shop_id, customer_id) values (v_shop, v_customer_id) on conflict (shop_id, customer_id) do nothing;
    select available_points, lifetime_points, tier_id into v_acc from loyalty_accounts
    where shop_id = v_shop and customer_id = v_customer_id for update;
    -- What the plan depended on: the tier held (its discount and multiplier), for an account
    -- without a tier yet the lifetime points that give it, the points redeemed being there, the
    -- tier after the bill (the span of lifetime points that keep it, computed in TypeScript:
    -- loyalty/tier-rule.ts tierSpan), and the tiers themselves. Other bills of the same customer
    -- that leave all of these as they were do not make this one plan again.
    if v_acc.tier_id is distinct from (v_loy->'expect'->>'tier_id')::bigint
      or (v_acc.tier_id is null and v_acc.lifetime_points <> (v_loy->'expect'->>'lifetime_points')::bigint)
      or v_acc.available_points < (v_loy->>'redeemed')::bigint
      or v_acc.lifetime_points + (v_loy->>'earned')::bigint < (v_loy->>'span_lo')::bigint
      or v_acc.lifetime_points + (v_loy->>'earned')::bigint >= (v_loy->>'span_hi')::bigint
      or md5(loyalty_tiers_json(v_shop)::text) <> v_loy->>'tiers_md5' then
      raise exception 'the loyalty account or tiers changed since the bill was planned' using errcode = 'TJ001';
    end if;
  else
    v_loy := null;
  end if;

  -- the day's next number (row lock held to commit: no duplicates, no gaps) and the bill
  insert into bill_counters (shop_id, day, last_no) values (v_shop, (p->>'today')::date, 1)
  on conflict (shop_id, day) do update set last_no = bill_counters.last_no + 1
  returning bill_number(day, last_no) into v_number;

  insert into bills (
    shop_id, bill_number, bill_date, delivery_date, trial_date, customer_id, customer_name, customer_phone,
    customer_city, customer_area, customer_trn, customer_type, employee_id, notes, vat_percent, prices_include_vat,
    subtotal_fils, discount_fils, vat_fils, total_fils, paid_fils, status, points_earned, points_redeemed,
    loyalty_counted, created_by_user, created_by_terminal, cashier_id, client_created_at, offline_ref, created_at)
  select v_shop, v_number, b.bill_date, b.delivery_date, b.trial_date, v_customer_id, b.customer_name, b.customer_phone,
    b.customer_city, b.customer_area, b.customer_trn, b.customer_type, b.employee_id, b.notes, b.vat_percent, b.prices_include_vat,
    b.subtotal_fils, b.discount_fils, b.vat_fils, b.total_fils, b.paid_fils, b.status, b.points_earned, b.points_redeemed,
    b.loyalty_counted, b.created_by_user, b.created_by_terminal, b.cashier_id, b.client_created_at, b.offline_ref, b.created_at
  from jsonb_populate_record(null::bills, p->'bill') b
  returning * into v_bill;
  v_hour := extract(hour from v_bill.created_at at time zone (p->>'timezone'))::int;

  with ins as (
    insert into bill_lines (shop_id, bill_id, line_no, product_id, product_name, product_type, quantity, rate_fils,
      discount_percent, gross_fils, discount_fils, net_fils, vat_fils, total_fils, notes)
    select v_shop, v_bill.id, l.line_no, l.product_id, l.product_name, l.product_type, l.quantity, l.rate_fils,
      l.discount_percent, l.gross_fils, l.discount_fils, l.net_fils, l.vat_fils, l.total_fils, l.notes
    from jsonb_populate_recordset(null::bill_lines, p->'lines') l
    returning id, line_no, product_id, product_name, product_type, quantity, rate_fils, discount_percent, discount_fils, vat_fils, total_fils, notes
  )
  select coalesce(jsonb_agg(to_jsonb(ins) order by ins.line_no), '[]'::jsonb) into v_lines from ins;

  with ins as (
    insert into payments (shop_id, bill_id, amount_fils, method, taken_by_user, taken_by_terminal, paid_at)
    select v_shop, v_bill.id, x.amount_fils, x.method, x.taken_by_user, x.taken_by_terminal, x.paid_at
    from jsonb_populate_recordset(null::payments, p->'payments') x
    returning id, amount_fils, method, kind, paid_at
  )
  select coalesce(jsonb_agg(to_jsonb(ins) order by ins.id), '[]'::jsonb) into v_payments from ins;

  if v_loy is not null then
    update loyalty_accounts set
      available_points = available_points - (v_loy->>'redeemed')::bigint + (v_loy->>'earned')::bigint,
      lifetime_points = lifetime_points + (v_loy->>'earned')::bigint,
      tier_id = (v_loy->>'tier_after_id')::bigint,
      total_spent_fils = total_spent_fils + (v_loy->>'total')::bigint,
      visits = visits + 1,
      last_purchase = v_bill.created_at
    where shop_id = v_shop and customer_id = v_customer_id
    returning available_points, lifetime_points, tier_id, total_spent_fils, visits into v_after;
    insert into loyalty_ledger (shop_id, customer_id, bill_id, kind, points)
    select v_shop, v_customer_id, v_bill.id, l.kind, l.points from jsonb_to_recordset(v_loy->'ledger') as l(kind text, points bigint);
    v_standing := jsonb_build_object('available_points', v_after.available_points, 'tier', v_loy->'tier_after_name');
    v_snapshot := (v_loy->'snapshot') || jsonb_build_object('customer_id', v_customer_id, 'available_points', v_after.available_points,
      'lifetime_points', v_after.lifetime_points, 'tier_id', v_after.tier_id, 'total_spent_fils', v_after.total_spent_fils, 'visits', v_after.visits);
  elsif v_customer_id is not null then
    -- the programme is off, but a customer may hold points from before
    select jsonb_build_object('available_points', a.available_points, 'tier', t.name) into v_standing
    from loyalty_accounts a left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
    where a.shop_id = v_shop and a.customer_id = v_customer_id;
  end if;

  -- the event last: the shop's event counter lock is then held only until the commit
  if v_event is not null and v_event <> 'null'::jsonb then
    v_event := v_event || jsonb_build_object('bill_id', v_bill.id, 'bill_number', v_bill.bill_number, 'hour', v_hour,
      'customer_id', v_customer_id, 'loyalty', coalesce(v_snapshot, 'null'::jsonb));
    if v_customer_id is not null then
      v_event := jsonb_set(v_event, '{names,c}', jsonb_build_object(v_customer_id::text, p->>'customer_name'));
    end if;
    update shop_counters set event_seq = event_seq + 1 where shop_id = v_shop returning event_seq into v_seq;
    if v_seq is null then raise exception 'shop % has no counter row', v_shop; end if;
    insert into events (shop_id, seq, kind, entity_id, payload) values (v_shop, v_seq, 'bill_created', v_bill.id, v_event);
  end if;

  v_result := jsonb_build_object('bill', to_jsonb(v_bill), 'lines', v_lines, 'payments', v_payments, 'standing', v_standing);
  if v_key is not null then
    update idempotency_keys set status = (v_key->>'status')::int, response = jsonb_build_object('bill_rows', v_result)
    where shop_id = v_shop and principal_kind = v_key->>'kind' and principal_id = (v_key->>'id')::bigint and key = v_key->>'key';
  end if;
  return v_result || jsonb_build_object('seq', v_seq, 'hour', v_hour, 'loyalty', v_snapshot);
end
$$;
