/** Bills, payments, cancellation (API.md "Billing"). Money-moving POSTs honour Idempotency-Key. */
import { Type } from '@sinclair/typebox';
import { IdParams, ItemsOf, PageOf, pageOfAll, Search, ShortListQuery } from '../../domain/common/index.ts';
import { ROLES } from '../../domain/auth/index.ts';
import {
  addPayment,
  AddPaymentBody,
  BillListOut,
  BillOut,
  cancelBill,
  CancelBody,
  counterCustomers,
  CounterCustomerOut,
  createBill,
  CreateBillBody,
  findOfflineBill,
  isOfflineRefClash,
  listBills,
  ListBillsQuery,
  listMasters,
  MasterOut,
  NextNumberOut,
  peekBillNumber,
  quoteBill,
  QuoteOut,
  readBill,
} from '../../domain/billing/index.ts';
import { Reply, route } from '../http/route.ts';

const tag = 'billing';

const replayHeaders = (replayed: boolean): Record<string, string> => (replayed ? { 'Idempotent-Replayed': 'true' } : {});

export const billingRoutes = [
  route({
    method: 'post',
    path: '/api/bills',
    summary: 'Create a bill (server-computed totals, optional first payments and points redemption)',
    tag,
    auth: ROLES.any,
    body: CreateBillBody,
    status: 201,
    idempotent: true,
    response: BillOut,
    overlapRateLimit: true,
    handler: async ({ body, principal, req, deps, admitted }) => {
      try {
        const r = await createBill(deps.sql, principal, body, {
          now: deps.clock.now(),
          key: req.header('idempotency-key'),
          beforeWrite: admitted,
          ...(deps.billInputs ? { inputs: deps.billInputs } : {}),
        });
        return new Reply(r.status, r.bill, replayHeaders(r.replayed));
      } catch (err) {
        // the same offline bill sent twice at once under two keys: the one that committed answers both
        const made = isOfflineRefClash(err) && body.offline_ref ? await findOfflineBill(deps.sql, principal, body.offline_ref) : undefined;
        if (!made) throw err;
        return new Reply(201, made, replayHeaders(true));
      }
    },
  }),
  route({
    method: 'post',
    path: '/api/bills/quote',
    summary: "A bill's server-computed totals and VAT without creating it (what the terminal shows while building a bill)",
    tag,
    auth: ROLES.any,
    body: CreateBillBody,
    response: QuoteOut,
    handler: ({ body, principal, deps }) => quoteBill(deps.sql, principal, body, deps.clock.now()),
  }),
  route({
    method: 'get',
    path: '/api/masters',
    summary: 'Active employees as {id, name} only, for choosing the master of a bill (terminals may not read the employee list)',
    tag,
    auth: ROLES.any,
    query: ShortListQuery,
    response: PageOf(MasterOut),
    handler: async ({ query, principal, deps }) => pageOfAll(await listMasters(deps.sql, principal.shopId), query),
  }),
  route({
    method: 'get',
    path: '/api/counter/customers',
    summary: "Customers for the counter: id, name, phone, TRN, tier and points only; the shop's recent ones, or those matching a phone fragment or name start",
    tag,
    auth: ROLES.any,
    query: Type.Object(
      { search: Type.Optional(Search), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 20 })) },
      { additionalProperties: false },
    ),
    response: ItemsOf(CounterCustomerOut),
    handler: ({ query, principal, deps }) => counterCustomers(deps.sql, principal.shopId, query.search, query.limit ?? 20),
  }),
  route({
    method: 'get',
    path: '/api/bills',
    summary: 'Bills, newest first: search by number, customer name or phone fragment; filters; page or cursor',
    tag,
    auth: ROLES.staff,
    query: ListBillsQuery,
    response: BillListOut,
    cache: ['bills'],
    handler: ({ query, principal, deps }) => listBills(deps.sql, principal.shopId, query),
  }),
  route({
    method: 'get',
    path: '/api/bills/next-number',
    summary: 'The number the next bill of today will get (not reserved)',
    tag,
    auth: ROLES.any,
    response: NextNumberOut,
    handler: async ({ principal, deps }) => ({ bill_number: await peekBillNumber(deps.sql, principal.shopId, deps.clock.now()) }),
  }),
  route({
    method: 'get',
    path: '/api/bills/:id',
    summary: 'A bill with its lines, payments and loyalty (terminals: only bills they created)',
    tag,
    auth: ROLES.any,
    params: IdParams,
    response: BillOut,
    handler: ({ params, principal, deps }) => readBill(deps.sql, principal, params.id),
  }),
  route({
    method: 'post',
    path: '/api/bills/:id/payments',
    summary: 'Take a payment on an open bill (not more than the balance; terminals: only bills they created)',
    tag,
    auth: ROLES.any,
    params: IdParams,
    body: AddPaymentBody,
    status: 201,
    idempotent: true,
    response: BillOut,
    overlapRateLimit: true,
    handler: async ({ params, body, principal, req, deps, admitted }) => {
      const r = await addPayment(deps.sql, principal, params.id, body, deps.clock.now(), {
        key: req.header('idempotency-key'),
        beforeWrite: admitted,
        ...(deps.billInputs ? { inputs: deps.billInputs } : {}),
      });
      return new Reply(r.status, r.bill, replayHeaders(r.replayed));
    },
  }),
  route({
    method: 'post',
    path: '/api/bills/:id/cancel',
    summary: 'Cancel (void) a bill: refunds its payments and reverses every figure and loyalty movement',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: CancelBody,
    response: BillOut,
    handler: async ({ params, body, principal, deps }) => {
      const r = await cancelBill(deps.sql, principal, params.id, body.reason, deps.clock.now(), deps.billInputs ? { inputs: deps.billInputs } : {});
      return r.bill;
    },
  }),
];
