-- 0003 loyalty: programme config, tiers, accounts and the append-only points ledger.

create table loyalty_config (
  shop_id            bigint primary key references shops(id),
  enabled            boolean not null default true,
  program_name       text not null default 'Loyalty Rewards',
  -- points earned per 1.00 of currency
  points_per_unit    numeric(8,2) not null default 1.00 check (points_per_unit >= 0),
  -- value of one point in fils (0.01 AED = 1 fils)
  point_value_fils   integer not null default 1 check (point_value_fils > 0),
  min_redeem_points  integer not null default 100 check (min_redeem_points >= 0),
  max_redeem_percent numeric(5,2) not null default 20 check (max_redeem_percent between 0 and 100),
  updated_at         timestamptz not null default now()
);

create table loyalty_tiers (
  id               bigint generated always as identity primary key,
  shop_id          bigint not null references shops(id),
  name             text not null check (length(name) between 1 and 50),
  threshold_points bigint not null check (threshold_points >= 0),
  multiplier       numeric(4,2) not null default 1.00 check (multiplier > 0),
  discount_percent numeric(5,2) not null default 0 check (discount_percent between 0 and 100),
  perks            text not null default '',
  colour           text not null default '#999999',
  unique (shop_id, id),
  constraint loyalty_tiers_threshold_key unique (shop_id, threshold_points),
  constraint loyalty_tiers_name_key unique (shop_id, name)
);

create table loyalty_accounts (
  shop_id          bigint not null references shops(id),
  customer_id      bigint not null,
  available_points bigint not null default 0 check (available_points >= 0),
  lifetime_points  bigint not null default 0 check (lifetime_points >= 0),
  tier_id          bigint,
  total_spent_fils bigint not null default 0,
  visits           integer not null default 0,
  last_purchase    timestamptz,
  enrolled_at      timestamptz not null default now(),
  primary key (shop_id, customer_id),
  foreign key (shop_id, customer_id) references customers (shop_id, id),
  foreign key (shop_id, tier_id) references loyalty_tiers (shop_id, id)
);

create table loyalty_ledger (
  id          bigint generated always as identity primary key,
  shop_id     bigint not null references shops(id),
  customer_id bigint not null,
  bill_id     bigint,
  kind        text not null check (kind in ('earned', 'redeemed', 'reversed', 'bonus', 'expired', 'adjusted')),
  -- signed: earned/bonus positive, redeemed/expired negative, reversed/adjusted either way
  points      bigint not null,
  note        text,
  created_at  timestamptz not null default now(),
  foreign key (shop_id, customer_id) references customers (shop_id, id)
);
create index loyalty_ledger_customer_idx on loyalty_ledger (shop_id, customer_id, id desc);
