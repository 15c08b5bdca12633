-- 0011 bill_number(day, n): the one definition of the bill number format, BILL-YYYYMMDD-NNN.
--
-- Parameters: day, the shop-local date the bill was created on; n, its number that day (from
-- bill_counters). Returns 'BILL-' || YYYYMMDD || '-' || n padded to at least three digits (past
-- 999 bills in a day the number simply grows a digit: BILL-…-1000).
--
-- In SQL so that bill creation can take the next number and insert the bill in one statement
-- (src/domain/billing/numbering.ts): one round trip less while the counter row is locked.
create function bill_number(day date, n integer) returns text
language sql immutable strict parallel safe as $$
  select 'BILL-' || to_char(day, 'YYYYMMDD') || '-' || lpad(n::text, greatest(3, length(n::text)), '0')
$$;
