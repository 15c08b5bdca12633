-- 0012 bills.loyalty_counted: whether the bill was added to its customer's loyalty account.
--
-- A bill adds its total and one visit to the account (and earns points) only while the shop's
-- programme is enabled. Cancelling must take back exactly what the bill added, so it needs to
-- know whether the bill was counted; before this column it took spend and a visit back from any
-- account, and a bill made while the programme was off drove total_spent below what was spent.
--
-- Bills made before this migration: counted when their customer had an account when the bill
-- was made (enrolled_at). That was the rule except while a shop had its programme switched off;
-- those few bills cannot be told apart any more.
alter table bills add column loyalty_counted boolean not null default false;

update bills b set loyalty_counted = true
from loyalty_accounts a
where a.shop_id = b.shop_id and a.customer_id = b.customer_id and b.created_at >= a.enrolled_at;
