-- 0002 master data: UAE reference places, product types and products, customers, employees.

-- Reference data shared by all shops (not business data, so no shop_id).
create table uae_cities (
  id      integer primary key,
  name    text not null unique,
  name_ar text not null
);

create table uae_areas (
  id      integer generated always as identity primary key,
  city_id integer not null references uae_cities(id),
  name    text not null,
  unique (city_id, name)
);

create table product_types (
  id          bigint generated always as identity primary key,
  shop_id     bigint not null references shops(id),
  name        text not null check (length(name) between 1 and 200),
  deleted_at  timestamptz,
  created_at  timestamptz not null default now(),
  unique (shop_id, id)
);
create unique index product_types_name_key on product_types (shop_id, lower(name)) where deleted_at is null;

create table products (
  id          bigint generated always as identity primary key,
  shop_id     bigint not null references shops(id),
  type_id     bigint not null,
  name        text not null check (length(name) between 1 and 200),
  rate_fils   bigint not null check (rate_fils > 0),
  barcode     text,
  description text,
  active      boolean not null default true,
  deleted_at  timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (shop_id, id),
  foreign key (shop_id, type_id) references product_types (shop_id, id)
);
create unique index products_barcode_key on products (shop_id, barcode) where deleted_at is null and barcode is not null;
create index products_shop_name_idx on products (shop_id, lower(name)) where deleted_at is null;
create index products_shop_type_idx on products (shop_id, type_id) where deleted_at is null;
create index products_name_trgm_idx on products using gin (name gin_trgm_ops);

create table customers (
  id            bigint generated always as identity primary key,
  shop_id       bigint not null references shops(id),
  name          text not null check (length(name) between 1 and 200),
  -- E.164: +<country code><digits>, normalised by the service.
  phone         text not null check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  customer_type text not null default 'Individual' check (customer_type in ('Individual', 'Business')),
  business_name text,
  trn           text,
  email         text,
  city          text,
  area          text,
  address       text,
  active        boolean not null default true,
  deleted_at    timestamptz,
  created_at    timestamptz not null default now(),
  updated_at    timestamptz not null default now(),
  check (customer_type = 'Individual' or business_name is not null),
  unique (shop_id, id)
);
create unique index customers_phone_key on customers (shop_id, phone) where deleted_at is null;
create index customers_shop_name_idx on customers (shop_id, lower(name)) where deleted_at is null;
create index customers_shop_created_idx on customers (shop_id, created_at desc);
create index customers_name_trgm_idx on customers using gin (name gin_trgm_ops);
create index customers_business_trgm_idx on customers using gin (business_name gin_trgm_ops);
create index customers_phone_trgm_idx on customers using gin (phone gin_trgm_ops);

create table employees (
  id          bigint generated always as identity primary key,
  shop_id     bigint not null references shops(id),
  name        text not null check (length(name) between 1 and 200),
  phone       text,
  position    text,
  address     text,
  active      boolean not null default true,
  deleted_at  timestamptz,
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  unique (shop_id, id)
);
-- Phone is unique per shop among active employees (a former employee's number may be reused).
create unique index employees_phone_key on employees (shop_id, phone) where active and deleted_at is null and phone is not null;
create index employees_shop_name_idx on employees (shop_id, lower(name)) where deleted_at is null;
