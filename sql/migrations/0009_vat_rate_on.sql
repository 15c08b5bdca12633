-- 0009 vat_rate_on(shop_id, day): the one definition of "the VAT rate in force on a date".
--
-- Parameters: p_shop_id, the shop; p_day, a shop-local date.
-- Returns: at most one row (rate_percent) — the shop's rate whose [effective_from, effective_to]
-- holds p_day (effective_to null = open-ended); no row when none is in force. vat_rates_no_overlap
-- allows at most one such rate; the order by only makes the answer certain if that ever changed.
--
-- Used by bill creation's one-round-trip context query (src/domain/billing/shop-context.ts) and
-- by vatRateOn (src/domain/settings/vat-rates.ts). It returns a table rather than a scalar on
-- purpose: a stable, non-strict SQL function returning a set is inlined into the caller's plan
-- (so the prepared context query keeps one cached plan with an index scan), whereas a scalar SQL
-- function reading a table is opaque to the planner and re-planned on every execution. Call it as
-- `(select rate_percent from vat_rate_on(...))`.
create function vat_rate_on(p_shop_id bigint, p_day date) returns table (rate_percent numeric)
language sql stable as $$
  select v.rate_percent from vat_rates v
  where v.shop_id = p_shop_id and v.effective_from <= p_day and (v.effective_to is null or v.effective_to >= p_day)
  order by v.effective_from desc
  limit 1
$$;
