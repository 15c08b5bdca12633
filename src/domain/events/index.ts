/** The events section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { EVENT_KINDS, appendEvent, appendEvents } from './append.ts';
export { EVENTS_CHANNEL } from './channel.ts';
export type { BillCancelledPayload, BillCreatedPayload, BillFacts, EventRow, ExpenseFacts, ExpensePayload, LineFact, LoyaltyRetieredPayload, LoyaltySnapshot, PaymentAddedPayload, PaymentFact, TimezoneChangedPayload } from './payloads.ts';
