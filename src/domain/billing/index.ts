/** The billing section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { appliedDiscount, computeBill, statusOf } from './arithmetic.ts';
export { cancelBill } from './cancel.ts';
export { counterCustomers } from './counter-customers.ts';
export { createBill, findOfflineBill, isOfflineRefClash } from './create.ts';
export { purgeIdempotencyKeys } from './idempotency.ts';
export { createBillInputsCache } from './inputs-cache.ts';
export type { BillInputsCache } from './inputs-cache.ts';
export { listBills } from './list.ts';
export { listMasters } from './masters.ts';
export { formatBillNumber, peekBillNumber } from './numbering.ts';
export { addPayment } from './payments.ts';
export { loadBill, readBill } from './present.ts';
export { quoteBill } from './quote.ts';
export {
  AddPaymentBody,
  BillListOut,
  BillOut,
  CancelBody,
  CounterCustomerOut,
  CreateBillBody,
  ListBillsQuery,
  MasterOut,
  NextNumberOut,
  QuoteOut,
} from './schema.ts';
