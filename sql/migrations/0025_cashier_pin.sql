-- 0025 Cashier PIN at a shared terminal (issue 17, API.md "The counter").
--
-- users.pin_hash: a cashier's 4–6 digit PIN, argon2id-hashed like passwords; null = no PIN set.
-- terminal_sessions: one row per PIN sign-in at a terminal. The PIN session's token carries the
-- row's id; the session is live while ended_at is null, the terminal is not revoked and the
-- cashier is active (src/domain/auth/authenticate.ts).
-- bills.cashier_id: the person who took the bill at a terminal (null for bills made by a user's
-- own token or a terminal with nobody signed in).

alter table users add column pin_hash text;

create table terminal_sessions (
  id          uuid primary key default gen_random_uuid(),
  shop_id     bigint not null references shops(id),
  terminal_id bigint not null,
  user_id     bigint not null,
  created_at  timestamptz not null default now(),
  ended_at    timestamptz,
  foreign key (shop_id, terminal_id) references terminals (shop_id, id),
  foreign key (shop_id, user_id) references users (shop_id, id)
);
create index terminal_sessions_terminal_idx on terminal_sessions (shop_id, terminal_id) where ended_at is null;

alter table bills add column cashier_id bigint;
alter table bills add constraint bills_cashier_fkey foreign key (shop_id, cashier_id) references users (shop_id, id);
