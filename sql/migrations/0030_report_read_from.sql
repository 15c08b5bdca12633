-- 0030 Issue 16: a report may be read on a streaming replica (REPORTS_DATABASE_URL). It records which
-- server it read, so its requester can tell (GET /api/reports/:id → read_from); null until built.
alter table report_jobs add column read_from text check (read_from in ('primary', 'replica'));
