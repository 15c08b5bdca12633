-- 0021 Sessions: every user token names one (its jti), so one sign-in can be ended on its own
-- (logout) and all of a user's at once (logout everywhere, deactivation, role or password
-- change). A terminal's session is its token_id (0001), ended by revoking the terminal.
--
-- A session is live while ended_at is null; expires_at follows the newest token issued for it
-- (login, refresh) and lets old rows be deleted. end_reason is the `session:ended` reason.

create table sessions (
  id          uuid primary key default gen_random_uuid(),
  shop_id     bigint not null,
  user_id     bigint not null,
  created_at  timestamptz not null default now(),
  expires_at  timestamptz not null,
  ended_at    timestamptz,
  end_reason  text check (end_reason in ('logout', 'deactivated', 'role_changed', 'password_changed')),
  check ((ended_at is null) = (end_reason is null)),
  foreign key (shop_id, user_id) references users (shop_id, id)
);
create index sessions_live_user_idx on sessions (user_id) where ended_at is null;
create index sessions_expires_idx on sessions (expires_at);

-- GET /api/users shows when each user last signed in.
alter table users add column last_login timestamptz;
