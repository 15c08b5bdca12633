-- 0020 Secrets the service makes for itself, so a fresh install has no secret anyone can read
-- in the source.
--
-- name 'jwt': the HS256 key that signs tokens when JWT_SECRET is unset. The first node to start
-- inserts a random one (insert … on conflict do nothing, then read back), so every node sharing
-- the database signs and verifies with the same key.
-- name 'demo_password': the demo shop owner's password, random per database, printed at start.
-- Only service processes read this table; no route exposes it.

create table service_secrets (
  name       text primary key check (name ~ '^[a-z_]{1,40}$'),
  value      text not null check (length(value) between 16 and 200),
  created_at timestamptz not null default now()
);
