-- 0004 billing: bills, bill lines, payments, idempotency keys, and the per-shop event stream.

create table bills (
  id                  bigint generated always as identity primary key,
  shop_id             bigint not null references shops(id),
  bill_number         text not null,
  bill_date           date not null,
  delivery_date       date,
  trial_date          date,
  customer_id         bigint,
  -- snapshot of the customer at billing time; later edits of the customer do not rewrite bills
  customer_name       text,
  customer_phone      text,
  customer_city       text,
  customer_area       text,
  customer_trn        text,
  customer_type       text,
  employee_id         bigint,
  notes               text,
  vat_percent         numeric(5,2) not null,
  prices_include_vat  boolean not null,
  subtotal_fils       bigint not null check (subtotal_fils >= 0),
  discount_fils       bigint not null default 0 check (discount_fils >= 0),
  vat_fils            bigint not null check (vat_fils >= 0),
  total_fils          bigint not null check (total_fils >= 0),
  paid_fils           bigint not null default 0 check (paid_fils >= 0),
  status              text not null check (status in ('Pending', 'Partial', 'Paid', 'Cancelled')),
  points_earned       bigint not null default 0,
  points_redeemed     bigint not null default 0,
  created_by_user     bigint,
  created_by_terminal bigint,
  created_at          timestamptz not null default now(),
  cancelled_at        timestamptz,
  cancel_reason       text,
  check (subtotal_fils + vat_fils = total_fils),
  check (paid_fils <= total_fils or status = 'Cancelled'),
  unique (shop_id, id),
  constraint bills_number_key unique (shop_id, bill_number),
  foreign key (shop_id, customer_id) references customers (shop_id, id),
  foreign key (shop_id, employee_id) references employees (shop_id, id),
  foreign key (shop_id, created_by_user) references users (shop_id, id),
  foreign key (shop_id, created_by_terminal) references terminals (shop_id, id)
);
create index bills_shop_created_idx on bills (shop_id, created_at desc, id desc);
create index bills_shop_date_idx on bills (shop_id, bill_date);
create index bills_shop_customer_idx on bills (shop_id, customer_id, created_at desc);
create index bills_shop_employee_idx on bills (shop_id, employee_id, bill_date);
create index bills_shop_open_idx on bills (shop_id) where status in ('Pending', 'Partial');
create index bills_number_trgm_idx on bills using gin (bill_number gin_trgm_ops);
create index bills_customer_name_trgm_idx on bills using gin (customer_name gin_trgm_ops);
create index bills_customer_phone_trgm_idx on bills using gin (customer_phone gin_trgm_ops);

create table bill_lines (
  id               bigint generated always as identity primary key,
  shop_id          bigint not null,
  bill_id          bigint not null,
  line_no          integer not null,
  product_id       bigint,
  product_name     text not null,
  product_type     text,
  quantity         integer not null check (quantity > 0),
  rate_fils        bigint not null check (rate_fils > 0),
  discount_percent numeric(5,2) not null default 0 check (discount_percent between 0 and 100),
  gross_fils       bigint not null,
  discount_fils    bigint not null,
  net_fils         bigint not null,
  vat_fils         bigint not null,
  total_fils       bigint not null,
  notes            text,
  unique (bill_id, line_no),
  foreign key (shop_id, bill_id) references bills (shop_id, id),
  foreign key (shop_id, product_id) references products (shop_id, id)
);
create index bill_lines_shop_product_idx on bill_lines (shop_id, product_id);

create table payments (
  id              bigint generated always as identity primary key,
  shop_id         bigint not null,
  bill_id         bigint not null,
  -- negative amounts are refunds written when a bill is cancelled
  amount_fils     bigint not null check (amount_fils <> 0),
  method          text not null,
  kind            text not null default 'payment' check (kind in ('payment', 'refund')),
  paid_at         timestamptz not null default now(),
  taken_by_user     bigint,
  taken_by_terminal bigint,
  foreign key (shop_id, bill_id) references bills (shop_id, id)
);
create index payments_bill_idx on payments (shop_id, bill_id);
create index payments_shop_time_idx on payments (shop_id, paid_at);

alter table loyalty_ledger add foreign key (shop_id, bill_id) references bills (shop_id, id);

-- A retried POST with the same Idempotency-Key returns the stored response.
create table idempotency_keys (
  shop_id      bigint not null references shops(id),
  key          text not null,
  route        text not null,
  request_hash text not null,
  status       integer not null,
  response     jsonb not null,
  created_at   timestamptz not null default now(),
  primary key (shop_id, key)
);
create index idempotency_keys_created_idx on idempotency_keys (created_at);

-- The shop's event stream: every change that moves a figure, numbered by shop_counters.event_seq
-- in the same transaction (gap-free and in commit order per shop). Events carry ids; the
-- aggregator re-reads what it needs.
create table events (
  shop_id     bigint not null references shops(id),
  seq         bigint not null,
  kind        text not null check (kind in (
                'bill_created', 'payment_added', 'bill_cancelled',
                'expense_created', 'expense_updated', 'expense_deleted',
                'customer_created')),
  entity_id   bigint not null,
  payload     jsonb not null default '{}'::jsonb,
  created_at  timestamptz not null default now(),
  primary key (shop_id, seq)
);
