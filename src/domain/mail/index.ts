/** The mail section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export type { MailJobs } from './jobs.ts';
export {
  addRecipient,
  assertRecipientsAllowed,
  confirmRecipient,
  deleteRecipient,
  issueConfirmation,
  listRecipients,
  notAllowed,
  takeMailQuota,
} from './recipients.ts';
export type { RecipientView } from './recipients.ts';
export { AddRecipientBody, ConfirmQuery, RecipientOut } from './schema.ts';
