/**
 * What each event row's payload holds. Payloads are the facts an aggregator needs to move every
 * figure without reading the bill again (amounts in fils, shop-local day and hour already
 * resolved at write time, so the aggregator needs no time-zone logic and no extra query).
 * The event row is written in the same transaction as the change it describes.
 */

/** [product_id (null when the product was deleted), quantity, line total in fils] */
export type LineFact = [number | null, number, number];
/** [method, amount in fils (negative for refunds), shop-local day of the payment] */
export type PaymentFact = [string, number, string];

export interface LoyaltySnapshot {
  customer_id: number;
  available_points: number;
  lifetime_points: number;
  tier_id: number | null;
  tier: string | null;
  total_spent_fils: number;
  visits: number;
  last_purchase: string | null;
}

export interface BillFacts {
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
}

export interface BillCreatedPayload extends BillFacts {
  status: 'Pending' | 'Partial' | 'Paid';
  paid: number;
  payments: PaymentFact[];
  new_customer: boolean;
  loyalty: (LoyaltySnapshot & { points_earned: number; points_redeemed: number; tier_changed: boolean }) | null;
}

export interface PaymentAddedPayload {
  bill_id: number;
  payment: PaymentFact;
  total: number;
  paid_after: number;
  status_after: 'Partial' | 'Paid';
  customer_id: number | null;
}

export interface BillCancelledPayload extends BillFacts {
  status_before: 'Pending' | 'Partial' | 'Paid';
  paid_before: number;
  refunds: PaymentFact[];
  loyalty: (LoyaltySnapshot & { tier_changed: boolean }) | null;
}

export interface ExpenseFacts {
  amount_fils: number;
  expense_date: string;
  category_id: number;
}

export interface ExpensePayload extends ExpenseFacts {
  previous?: ExpenseFacts;
}

/**
 * The accounts whose tier a tier replacement changed, as Postgres holds them after it: moved to
 * another tier (`tier_changed`, up or down) or kept on a tier that was renamed.
 */
export interface LoyaltyRetieredPayload {
  accounts: (LoyaltySnapshot & { tier_changed: boolean })[];
}

export interface TimezoneChangedPayload {
  from: string;
  to: string;
}

export interface CustomerPayload {
  customer_id: number;
}
