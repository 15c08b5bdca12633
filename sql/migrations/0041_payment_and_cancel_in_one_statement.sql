-- 0041 A payment and a cancellation in one round trip each (issue 20), as 0040 does for a bill:
-- the service reads in one statement, decides in TypeScript (src/domain/billing/payments.ts,
-- cancel.ts) and writes with one call here. What the decision depended on is locked and
-- compared; when it moved, SQLSTATE TJ001 and the service decides again from a fresh read.

-- Claims an Idempotency-Key (`k`: {kind, id, key, route, hash}) first in the writing statement: a
-- concurrent retry with the same key waits on the insert until the first commits. Returns null
-- when claimed, else the stored row as {status, response, request_hash}.
create function idempotency_claim(p_shop bigint, k jsonb) returns jsonb language plpgsql as $$
declare
  v_prior record;
begin
  insert into idempotency_keys (shop_id, principal_kind, principal_id, key, route, request_hash, status, response)
  values (p_shop, k->>'kind', (k->>'id')::bigint, k->>'key', k->>'route', k->>'hash', 0, '{}'::jsonb)
  on conflict (shop_id, principal_kind, principal_id, key) do nothing;
  if found then return null; end if;
  select status, response, request_hash into v_prior from idempotency_keys
  where shop_id = p_shop and principal_kind = k->>'kind' and principal_id = (k->>'id')::bigint and key = k->>'key';
  return jsonb_build_object('status', v_prior.status, 'response', v_prior.response, 'request_hash', v_prior.request_hash);
end
$$;

-- A bill's rows as the service presents them (src/domain/billing/present.ts presentBill):
-- {bill, lines, payments, standing}.
create function bill_rows_json(p_shop bigint, p_bill bigint) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'bill', to_jsonb(b),
    'lines', (select coalesce(jsonb_agg(to_jsonb(l) order by l.line_no), '[]'::jsonb) from bill_lines l where l.shop_id = p_shop and l.bill_id = p_bill),
    'payments', (select coalesce(jsonb_agg(jsonb_build_object('id', x.id, 'amount_fils', x.amount_fils, 'method', x.method, 'kind', x.kind, 'paid_at', x.paid_at) order by x.id), '[]'::jsonb)
                 from payments x where x.shop_id = p_shop and x.bill_id = p_bill),
    'standing', (select jsonb_build_object('available_points', a.available_points, 'tier', t.name)
                 from loyalty_accounts a left join loyalty_tiers t on t.shop_id = a.shop_id and t.id = a.tier_id
                 where a.shop_id = p_shop and a.customer_id = b.customer_id))
  from bills b where b.shop_id = p_shop and b.id = p_bill
$$;

-- An instant as JavaScript's toISOString writes it (what event payloads carry).
create function iso_ms(t timestamptz) returns text language sql immutable as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A payment (`p`: shop_id, bill_id, key or null, expect: {paid_fils, status}, payment: {amount_fils,
-- method, taken_by_user, taken_by_terminal, paid_at}, paid_after, status_after, event). Returns
-- {replay} or {rows: bill_rows_json}.
create function payment_write(p jsonb) returns jsonb language plpgsql as $$
declare
  v_shop bigint := (p->>'shop_id')::bigint;
  v_bill bigint := (p->>'bill_id')::bigint;
  v_key jsonb := nullif(p->'key', 'null'::jsonb);
  v_replay jsonb;
  v_row record;
  v_seq bigint;
  v_rows jsonb;
begin
  if v_key is not null then
    v_replay := idempotency_claim(v_shop, v_key);
    if v_replay is not null then return jsonb_build_object('replay', v_replay); end if;
  end if;
  -- the bill locked, so two payments racing for one balance are decided one after the other
  select paid_fils, status into v_row from bills where shop_id = v_shop and id = v_bill for update;
  if v_row.paid_fils is distinct from (p->'expect'->>'paid_fils')::bigint or v_row.status is distinct from p->'expect'->>'status' then
    raise exception 'the bill changed since the payment was decided' using errcode = 'TJ001';
  end if;
  insert into payments (shop_id, bill_id, amount_fils, method, taken_by_user, taken_by_terminal, paid_at)
  select v_shop, v_bill, x.amount_fils, x.method, x.taken_by_user, x.taken_by_terminal, x.paid_at
  from jsonb_populate_record(null::payments, p->'payment') x;
  update bills set paid_fils = (p->>'paid_after')::bigint, status = p->>'status_after' where shop_id = v_shop and id = v_bill;
  update shop_counters set event_seq = event_seq + 1 where shop_id = v_shop returning event_seq into v_seq;
  if v_seq is null then raise exception 'shop % has no counter row', v_shop; end if;
  insert into events (shop_id, seq, kind, entity_id, payload) values (v_shop, v_seq, 'payment_added', v_bill, p->'event');
  v_rows := bill_rows_json(v_shop, v_bill);
  if v_key is not null then
    update idempotency_keys set status = (v_key->>'status')::int, response = jsonb_build_object('bill_rows', v_rows)
    where shop_id = v_shop and principal_kind = v_key->>'kind' and principal_id = (v_key->>'id')::bigint and key = v_key->>'key';
  end if;
  return jsonb_build_object('rows', v_rows, 'seq', v_seq);
end
$$;

-- A cancellation (`p`: shop_id, bill_id, expect: {status, paid_fils}, refunds: payments rows,
-- reason, now, loyalty or null: {customer_id, expect_tier_id, tiers_md5, earned, redeemed, total,
-- span_lo, span_hi, tier_id, snapshot}, event: bill_cancelled without loyalty). Returns
-- {rows: bill_rows_json, seq, loyalty}.
create function cancel_write(p jsonb) returns jsonb language plpgsql as $$
declare
  v_shop bigint := (p->>'shop_id')::bigint;
  v_bill bigint := (p->>'bill_id')::bigint;
  v_loy jsonb := nullif(p->'loyalty', 'null'::jsonb);
  v_row record;
  v_acc record;
  v_after record;
  v_snapshot jsonb;
  v_seq bigint;
begin
  select paid_fils, status into v_row from bills where shop_id = v_shop and id = v_bill for update;
  if v_row.paid_fils is distinct from (p->'expect'->>'paid_fils')::bigint or v_row.status is distinct from p->'expect'->>'status' then
    raise exception 'the bill changed since the cancellation was decided' using errcode = 'TJ001';
  end if;
  insert into payments (shop_id, bill_id, amount_fils, method, kind, taken_by_user, taken_by_terminal, paid_at)
  select v_shop, v_bill, x.amount_fils, x.method, 'refund', x.taken_by_user, x.taken_by_terminal, x.paid_at
  from jsonb_populate_recordset(null::payments, p->'refunds') x;
  update bills set status = 'Cancelled', paid_fils = 0, cancelled_at = (p->>'now')::timestamptz, cancel_reason = p->>'reason'
  where shop_id = v_shop and id = v_bill;

  if v_loy is not null then
    -- programme lock, then the account (loyalty-lock.ts); the tiers compared in a later statement
    perform 1 from loyalty_config where shop_id = v_shop for share;
    select lifetime_points, tier_id into v_acc from loyalty_accounts
    where shop_id = v_shop and customer_id = (v_loy->>'customer_id')::bigint for update;
    if v_acc.tier_id is distinct from (v_loy->>'expect_tier_id')::bigint
      or greatest(0, v_acc.lifetime_points - (v_loy->>'earned')::bigint) < (v_loy->>'span_lo')::bigint
      or greatest(0, v_acc.lifetime_points - (v_loy->>'earned')::bigint) >= (v_loy->>'span_hi')::bigint
      or md5(loyalty_tiers_json(v_shop)::text) <> v_loy->>'tiers_md5' then
      raise exception 'the loyalty account or tiers changed since the cancellation was decided' using errcode = 'TJ001';
    end if;
    update loyalty_accounts set
      available_points = greatest(0, available_points - (v_loy->>'earned')::bigint + (v_loy->>'redeemed')::bigint),
      lifetime_points = greatest(0, lifetime_points - (v_loy->>'earned')::bigint),
      tier_id = (v_loy->>'tier_id')::bigint,
      total_spent_fils = total_spent_fils - (v_loy->>'total')::bigint,
      visits = greatest(0, visits - 1)
    where shop_id = v_shop and customer_id = (v_loy->>'customer_id')::bigint
    returning available_points, lifetime_points, tier_id, total_spent_fils, visits, last_purchase into v_after;
    insert into loyalty_ledger (shop_id, customer_id, bill_id, kind, points, note)
    select v_shop, (v_loy->>'customer_id')::bigint, v_bill, 'reversed', l.points, l.note
    from jsonb_to_recordset(v_loy->'ledger') as l(points bigint, note text);
    v_snapshot := (v_loy->'snapshot') || jsonb_build_object('customer_id', (v_loy->>'customer_id')::bigint,
      'available_points', v_after.available_points, 'lifetime_points', v_after.lifetime_points, 'tier_id', v_after.tier_id,
      'total_spent_fils', v_after.total_spent_fils, 'visits', v_after.visits, 'last_purchase', iso_ms(v_after.last_purchase));
  end if;

  update shop_counters set event_seq = event_seq + 1 where shop_id = v_shop returning event_seq into v_seq;
  if v_seq is null then raise exception 'shop % has no counter row', v_shop; end if;
  insert into events (shop_id, seq, kind, entity_id, payload)
  values (v_shop, v_seq, 'bill_cancelled', v_bill, p->'event' || jsonb_build_object('loyalty', coalesce(v_snapshot, 'null'::jsonb)));
  return jsonb_build_object('rows', bill_rows_json(v_shop, v_bill), 'seq', v_seq, 'loyalty', v_snapshot);
end
$$;
