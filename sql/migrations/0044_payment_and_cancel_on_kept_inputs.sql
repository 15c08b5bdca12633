-- 0044 A payment and a cancellation in one round trip on a warm node (issue 20).
--
-- Since 0041 each costs two statements: one reads the bill (and for a cancellation its lines,
-- payments, the customer's account and the tiers), the shop's methods and time zone, and the
-- Idempotency-Key's stored answer; one writes it (payment_write, cancel_write), comparing under
-- lock the bill's paid amount and status (and the account and tiers) with what was read. A node
-- that made or paid the bill itself knows the bill as its write left it, and the shop's methods,
-- time zone and tiers from the bills it made (src/domain/billing/inputs-cache.ts, under the
-- 'settings' read version of 0043). Such a payment or cancellation is decided on what the node
-- kept and sent as one statement:
--   select case when kept_settings_current(a) then payment_write(a) end
-- The write still compares the bill (and the account) under lock and answers a replay first; this
-- function adds the one thing the writes do not compare, that the shop's settings (methods, time
-- zone) are still those the node decided on. Null (settings moved) or TJ001 (the bill moved) send
-- the node back to the two statements.
create function kept_settings_current(p jsonb) returns boolean language sql stable as $$
  select read_versions_of((p->>'shop_id')::bigint, array['settings']) = p->'expect'->'versions'
$$;
