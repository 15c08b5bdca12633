-- 0005 expenses (categories, expenses, recurring definitions) and background reports.

create table expense_categories (
  id          bigint generated always as identity primary key,
  shop_id     bigint not null references shops(id),
  name        text not null check (length(name) between 1 and 100),
  deleted_at  timestamptz,
  created_at  timestamptz not null default now(),
  unique (shop_id, id)
);
create unique index expense_categories_name_key on expense_categories (shop_id, lower(name)) where deleted_at is null;

create table recurring_expenses (
  id             bigint generated always as identity primary key,
  shop_id        bigint not null references shops(id),
  category_id    bigint not null,
  amount_fils    bigint not null check (amount_fils > 0),
  description    text,
  payment_method text,
  frequency      text not null check (frequency in ('daily', 'weekly', 'monthly', 'yearly')),
  start_date     date not null,
  end_date       date,
  -- the next date on which an expense row is due; advanced in the same transaction that writes it
  next_due       date not null,
  active         boolean not null default true,
  deleted_at     timestamptz,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  check (end_date is null or end_date >= start_date),
  unique (shop_id, id),
  foreign key (shop_id, category_id) references expense_categories (shop_id, id)
);
create index recurring_expenses_due_idx on recurring_expenses (next_due) where active and deleted_at is null;

create table expenses (
  id             bigint generated always as identity primary key,
  shop_id        bigint not null references shops(id),
  category_id    bigint not null,
  expense_date   date not null,
  amount_fils    bigint not null check (amount_fils > 0),
  description    text,
  payment_method text,
  receipt_url    text,
  recurring_id   bigint,
  deleted_at     timestamptz,
  created_by     bigint,
  created_at     timestamptz not null default now(),
  updated_at     timestamptz not null default now(),
  unique (shop_id, id),
  foreign key (shop_id, category_id) references expense_categories (shop_id, id),
  foreign key (shop_id, recurring_id) references recurring_expenses (shop_id, id)
);
create index expenses_shop_date_idx on expenses (shop_id, expense_date desc) where deleted_at is null;
create index expenses_shop_created_idx on expenses (shop_id, created_at desc);
-- a recurring definition yields at most one expense per due date
create unique index expenses_recurring_due_key on expenses (shop_id, recurring_id, expense_date) where recurring_id is not null;
create index expenses_description_trgm_idx on expenses using gin (description gin_trgm_ops);

create table report_jobs (
  id           uuid primary key default gen_random_uuid(),
  shop_id      bigint not null references shops(id),
  requested_by bigint,
  type         text not null check (type in ('invoices', 'employees', 'products', 'expenses', 'vat', 'customers', 'daily_summary')),
  format       text not null check (format in ('csv', 'xlsx', 'pdf')),
  params       jsonb not null default '{}'::jsonb,
  email_to     text,
  status       text not null default 'queued' check (status in ('queued', 'running', 'done', 'failed')),
  progress     integer not null default 0 check (progress between 0 and 100),
  rows         bigint,
  file_path    text,
  error        text,
  emailed_at   timestamptz,
  created_at   timestamptz not null default now(),
  finished_at  timestamptz,
  expires_at   timestamptz,
  foreign key (shop_id, requested_by) references users (shop_id, id)
);
create index report_jobs_shop_created_idx on report_jobs (shop_id, created_at desc);

create table report_schedules (
  shop_id     bigint not null references shops(id),
  kind        text not null check (kind in ('daily_summary', 'monthly_vat')),
  enabled     boolean not null default false,
  -- local hour (0-23) in the shop's time zone at which the report is sent
  hour        integer not null default 8 check (hour between 0 and 23),
  recipients  text[] not null default '{}',
  format      text not null default 'pdf' check (format in ('csv', 'xlsx', 'pdf')),
  updated_at  timestamptz not null default now(),
  primary key (shop_id, kind)
);

-- One row per shop, schedule and period: inserting it is what claims the run, so a period is
-- never reported twice, whatever restarts or extra workers happen.
create table report_schedule_runs (
  shop_id     bigint not null references shops(id),
  kind        text not null,
  period      date not null,
  report_id   uuid references report_jobs(id),
  created_at  timestamptz not null default now(),
  primary key (shop_id, kind, period)
);
