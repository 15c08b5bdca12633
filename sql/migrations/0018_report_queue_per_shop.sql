-- 0018 Reports queue per shop: at most one running report per shop, and an admission order.
--
-- The report worker serves shops round-robin: BullMQ holds only each shop's next report, and
-- report_jobs holds the rest of a shop's backlog (src/workers/report-dispatch.ts). queue_seq is
-- the order inside a shop's backlog. It is drawn while the shop's row is locked for admission, so
-- it grows in commit order per shop (created_at is the transaction's start and does not).

alter table report_jobs add column queue_seq bigint generated always as identity;

-- Older versions ran two reports of a shop at once; all but the oldest go back to waiting.
update report_jobs j set status = 'queued'
where j.status = 'running'
  and exists (
    select 1 from report_jobs o
    where o.shop_id = j.shop_id and o.status = 'running' and (o.created_at, o.id) < (j.created_at, j.id));

-- One running report per shop, whatever the number of workers.
create unique index report_jobs_one_running_key on report_jobs (shop_id) where status = 'running';
-- A shop's backlog, oldest first: the next report to dispatch and the admission count.
create index report_jobs_shop_open_idx on report_jobs (shop_id, queue_seq) where status in ('queued', 'running');
