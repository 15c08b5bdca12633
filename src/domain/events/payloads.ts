/**
 * What each event row's payload holds. Payloads are the facts an aggregator needs to move every
 * figure without reading the bill again (amounts in fils, shop-local day and hour already
 * resolved at write time, so the aggregator needs no time-zone logic and no extra query).
 * The event row is written in the same transaction as the change it describes.
 *
 * Payloads are type aliases, not interfaces: an alias of JSON values is assignable to
 * postgres.js's JSON parameter type, so appendEvent stores them without a cast.
 */

/** [product_id (null when the product was deleted), quantity, line total in fils] */
export type LineFact = [number | null, number, number];
/** [method, amount in fils (negative for refunds), shop-local day of the payment] */
export type PaymentFact = [string, number, string];

export type LoyaltySnapshot = {
  customer_id: number;
  available_points: number;
  lifetime_points: number;
  tier_id: number | null;
  tier: string | null;
  total_spent_fils: number;
  visits: number;
  last_purchase: string | null;
};

export type BillFacts = {
  bill_id: number;
  bill_number: string;
  /** the bill date (shop-local) */
  day: string;
  /** shop-local hour the bill was created */
  hour: number;
  created_ms: number;
  total: number;
  vat: number;
  employee_id: number | null;
  customer_id: number | null;
  area: string | null;
  lines: LineFact[];
  /** display names for the dashboard's top lists: {p: {id: name}, e: {...}, c: {...}} */
  names: { p: Record<string, string>; e: Record<string, string>; c: Record<string, string> };
};

export type BillCreatedPayload = BillFacts & {
  status: 'Pending' | 'Partial' | 'Paid';
  paid: number;
  payments: PaymentFact[];
  new_customer: boolean;
  loyalty: (LoyaltySnapshot & { points_earned: number; points_redeemed: number; tier_changed: boolean }) | null;
};

export type PaymentAddedPayload = {
  bill_id: number;
  payment: PaymentFact;
  total: number;
  paid_after: number;
  status_after: 'Partial' | 'Paid';
  customer_id: number | null;
};

export type BillCancelledPayload = BillFacts & {
  status_before: 'Pending' | 'Partial' | 'Paid';
  paid_before: number;
  refunds: PaymentFact[];
  loyalty: (LoyaltySnapshot & { tier_changed: boolean }) | null;
};

export type ExpenseFacts = {
  amount_fils: number;
  expense_date: string;
  category_id: number;
};

export type ExpensePayload = ExpenseFacts & {
  previous?: ExpenseFacts;
};

/**
 * The accounts whose tier a tier replacement changed, as Postgres holds them after it: moved to
 * another tier (`tier_changed`, up or down) or kept on a tier that was renamed.
 */
export type LoyaltyRetieredPayload = {
  accounts: (LoyaltySnapshot & { tier_changed: boolean })[];
};

export type TimezoneChangedPayload = {
  from: string;
  to: string;
};

export type CustomerPayload = {
  customer_id: number;
};

/**
 * Every kind of event and what its payload holds: the one map writers (appendEvent) and readers
 * (ops.ts, the publisher) are typed from. A new kind is a line here; the compiler then names
 * every switch that must handle it, and test/events.test.ts checks the events table's
 * constraint allows exactly these kinds.
 */
export interface EventPayloads {
  bill_created: BillCreatedPayload;
  payment_added: PaymentAddedPayload;
  bill_cancelled: BillCancelledPayload;
  expense_created: ExpensePayload;
  expense_updated: ExpensePayload;
  expense_deleted: ExpensePayload;
  customer_created: CustomerPayload;
  customer_deleted: CustomerPayload;
  /** a tier replacement moved or renamed some accounts' tiers (loyalty/tiers.ts) */
  loyalty_retiered: LoyaltyRetieredPayload;
  /** the shop's time zone changed: the aggregator rebuilds the shop (aggregates/catch-up.ts) */
  timezone_changed: TimezoneChangedPayload;
}

export type EventKind = keyof EventPayloads;

/** An event row as read back (from the table or a NOTIFY): its kind says what its payload is. */
export type EventRow = { [K in EventKind]: { seq: number; kind: K; entity_id: number; payload: EventPayloads[K] } }[EventKind];
