-- 0001 tenancy and people: shops, users, terminals, per-shop settings and counters.
-- Conventions for every migration:
--   * every business table carries shop_id, and has unique (shop_id, id) so that children
--     reference (shop_id, parent_id): a row can never point into another shop;
--   * money is bigint fils (1 AED = 100 fils); percentages are numeric(5,2);
--   * shop-local dates are `date`, instants are timestamptz;
--   * soft delete is deleted_at; "unique among live rows" constraints are partial unique indexes.

create extension if not exists pg_trgm;
create extension if not exists btree_gist;

create table shops (
  id            bigint generated always as identity primary key,
  name          text not null check (length(name) between 1 and 200),
  shop_code     text not null constraint shops_shop_code_key unique,
  created_at    timestamptz not null default now()
);

create table users (
  id            bigint generated always as identity primary key,
  shop_id       bigint not null references shops(id),
  email         text not null,
  password_hash text not null,
  name          text not null default '',
  role          text not null check (role in ('owner', 'manager', 'cashier')),
  active        boolean not null default true,
  created_at    timestamptz not null default now(),
  unique (shop_id, id)
);
-- Login is by email alone, so an email belongs to one user across all shops.
create unique index users_email_key on users (lower(email));
create index users_shop_idx on users (shop_id);

create table terminals (
  id                     bigint generated always as identity primary key,
  shop_id                bigint not null references shops(id),
  name                   text not null check (length(name) between 1 and 100),
  -- The JWT of a terminal names this id; revoking sets revoked_at and the token stops working.
  token_id               uuid not null default gen_random_uuid(),
  revoked_at             timestamptz,
  last_seen              timestamptz,
  settings_version_acked integer,
  created_by             bigint,
  created_at             timestamptz not null default now(),
  unique (shop_id, id),
  foreign key (shop_id, created_by) references users (shop_id, id)
);

-- Settings of one shop, one row. Sections the API updates one at a time are jsonb validated at
-- the edge; what the arithmetic depends on is typed. Every change bumps version, which terminals
-- acknowledge.
create table shop_settings (
  shop_id            bigint primary key references shops(id),
  shop_info          jsonb not null default '{}'::jsonb,
  billing_config     jsonb not null default '{}'::jsonb,
  payment_methods    text[] not null default array['Cash','Card','Bank Transfer','Cheque','Other'],
  currency           text not null default 'AED' check (currency ~ '^[A-Z]{3}$'),
  timezone           text not null default 'Asia/Dubai',
  date_format        text not null default 'DD/MM/YYYY',
  language           text not null default 'en' check (language in ('en', 'ar')),
  prices_include_vat boolean not null default true,
  version            integer not null default 1,
  updated_at         timestamptz not null default now()
);

create table vat_rates (
  id             bigint generated always as identity primary key,
  shop_id        bigint not null references shops(id),
  rate_percent   numeric(5,2) not null check (rate_percent > 0 and rate_percent <= 100),
  effective_from date not null,
  effective_to   date,
  created_at     timestamptz not null default now(),
  check (effective_to is null or effective_to >= effective_from),
  unique (shop_id, id),
  -- At most one rate in force on any date: the arithmetic must never have to choose.
  constraint vat_rates_no_overlap exclude using gist (
    shop_id with =,
    daterange(effective_from, effective_to, '[]') with &&
  )
);

-- Per-shop counters. event_seq numbers the shop's event stream (gap-free, commit order: the row
-- lock taken by UPDATE ... RETURNING serialises writers of one shop).
create table shop_counters (
  shop_id   bigint primary key references shops(id),
  event_seq bigint not null default 0
);

-- Bill numbers BILL-YYYYMMDD-NNN restart each shop-local day.
create table bill_counters (
  shop_id  bigint not null references shops(id),
  day      date not null,
  last_no  integer not null default 0,
  primary key (shop_id, day)
);
