-- 0022 Mail goes only to those who asked for it (issue 19).
--
-- mail_recipients: outside addresses a shop may send reports to, once the address itself
-- confirmed through a one-time link. token_hash is the sha256 (hex) of the link's token, set
-- when the confirmation mail is sent and cleared when it is used; the token itself is never
-- stored. A shop's users need no entry: its active users are always allowed.
create table mail_recipients (
  id                 bigint generated always as identity primary key,
  shop_id            bigint not null references shops(id),
  email              text not null check (length(email) between 3 and 254),
  token_hash         text check (token_hash ~ '^[0-9a-f]{64}$'),
  token_expires_at   timestamptz,
  confirmed_at       timestamptz,
  created_by         bigint,
  created_at         timestamptz not null default now(),
  unique (shop_id, id),
  foreign key (shop_id, created_by) references users (shop_id, id)
);
create unique index mail_recipients_shop_email_key on mail_recipients (shop_id, lower(email));
create unique index mail_recipients_token_key on mail_recipients (token_hash) where token_hash is not null;

-- mail_quota: messages' recipients counted per shop per day (UTC), checked and counted in one
-- statement before each send, so a shop cannot turn the relay into a spam cannon however it
-- asks (reports, schedules, confirmation mails).
create table mail_quota (
  shop_id  bigint not null references shops(id),
  day      date not null,
  sent     integer not null check (sent >= 0),
  primary key (shop_id, day)
);
