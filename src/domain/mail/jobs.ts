/** What the REST layer needs from the mail queue (implemented in src/workers). */
export interface MailJobs {
  /** Queues the confirmation mail of a waiting outside recipient. */
  enqueueConfirmation(recipientId: number): Promise<void>;
}
