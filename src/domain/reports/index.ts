/** The reports section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { buildReport } from './build.ts';
export { nextReportOf, reportQueueHasRoom, shopOfReport, waitingHeads } from './queue.ts';
export { CreateReportBody, PutSchedulesBody, ReportAccepted, ReportOut, ScheduleOut } from './schema.ts';
export { createReport, listSchedules, loadReport, presentReport, putSchedules } from './service.ts';
export type { ReportJobs, ReportRow } from './service.ts';
export { claimReport, expireReports, markEmailed, markFailed, reportById, reportForMail, saveProgress } from './jobs.ts';
export { isScheduled, runSchedules, scheduleRecipients } from './schedules.ts';
