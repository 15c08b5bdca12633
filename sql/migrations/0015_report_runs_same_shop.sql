-- 0015 A schedule run's report belongs to the same shop.
--
-- Every other reference between two shop tables carries shop_id, so a row can never point into
-- another shop; report_schedule_runs.report_id referenced report_jobs(id) alone.
alter table report_jobs add constraint report_jobs_shop_id_id_key unique (shop_id, id);
alter table report_schedule_runs drop constraint report_schedule_runs_report_id_fkey;
alter table report_schedule_runs add constraint report_schedule_runs_report_fkey
  foreign key (shop_id, report_id) references report_jobs (shop_id, id);
