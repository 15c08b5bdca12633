/**
 * POST /api/bills/:id/payments: a payment on an open bill. A terminal takes payments only on bills
 * it created, as it reads only those (DOMAIN.md: a terminal cannot read other terminals' data, and
 * the answer is the whole bill); any other bill is a 404 to it. Staff logged in as users take
 * payments on every bill of the shop.
 *
 * Two round trips (issue 20): one statement reads the bill, the shop's methods and day, and the
 * Idempotency-Key's stored answer; the checks are TypeScript; one statement (payment_write,
 * migration 0041) claims the key, locks the bill and checks that its paid amount and status are
 * still those the checks saw (two payments racing for one balance: the second decides again on
 * the first's result), then writes the payment, the bill and the event.
 *
 * One round trip on a warm node (migration 0044): a bill this node made or took a payment on is
 * kept as that write left it (inputs-cache.ts), and the shop's methods and time zone with the
 * bills it made. The payment is then decided on those and sent as one statement, written only
 * while the shop's settings version is the one kept (kept_settings_current) and the bill is as
 * kept (payment_write, under lock). A refusal (cancelled, overpayment, unknown method) is never
 * answered from what is kept: it is decided again on a fresh read, after the key's stored answer.
 */
import type { Db } from '../../db/client.ts';
import { theRow } from '../../db/errors.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { filsText, fromFils, toFils } from '../common/index.ts';
import type { PaymentAddedPayload } from '../events/index.ts';
import { statusOf } from './arithmetic.ts';
import { replayOf, requestHash } from './idempotency.ts';
import { type BillInputsCache, type KeptBill, keptBillOf } from './inputs-cache.ts';
import type { KeyRow } from './read.ts';
import type { AddPaymentBody } from './schema.ts';
import { type BillRows, billRowsFromJson, isStalePlan, presentRows, replayedBill, type WrittenOrReplayed, writeOnKept } from './write.ts';

/** How often a payment is decided again when another payment or a cancellation overtook it. */
const ATTEMPTS = 10;

export interface PaymentOptions {
  key?: string;
  /** awaited after the read and before the write (the route's rate-limit decision) */
  beforeWrite?: () => Promise<void>;
  /** the node's kept bills and shop settings: a payment on a bill this node wrote is one round trip */
  inputs?: BillInputsCache;
}

/** What a payment is decided on: the bill as read (or kept), the shop's methods and its day. */
interface PaymentBasis {
  bill: Pick<KeptBill, 'total_fils' | 'paid_fils' | 'status' | 'customer_id'>;
  methods: string[];
  today: string;
}

export async function addPayment(sql: Db, p: Principal, billId: number, body: AddPaymentBody, now: Date, options: PaymentOptions = {}): Promise<WrittenOrReplayed> {
  const shopId = p.shopId;
  const { key, inputs: kept } = options;
  if (key !== undefined && key.length > 200) throw ERRORS.validation([{ field: 'Idempotency-Key', message: 'must be at most 200 characters' }]);
  const route = `POST /api/bills/${billId}/payments`;
  const hash = key === undefined ? '' : requestHash(route, body);

  /** payment_write's argument for a payment decided on `b`; throws the request's refusal. */
  function decide(b: PaymentBasis) {
    const { bill } = b;
    if (bill.status === 'Cancelled') throw ERRORS.businessRule('bill_cancelled', 'The bill is cancelled');
    if (!b.methods.includes(body.method)) {
      throw ERRORS.businessRule('unknown_payment_method', "method is not one of the shop's payment methods");
    }
    const amount = toFils(body.amount, 'amount');
    const balance = bill.total_fils - bill.paid_fils;
    if (amount > balance) {
      throw ERRORS.businessRule('overpayment', `The payment exceeds the balance of ${filsText(balance)}`, { balance: fromFils(balance) });
    }
    const paidAfter = bill.paid_fils + amount;
    const status = statusOf(bill.total_fils, paidAfter) as 'Partial' | 'Paid';
    const event: PaymentAddedPayload = {
      bill_id: billId,
      payment: [body.method, amount, b.today],
      total: bill.total_fils,
      paid_after: paidAfter,
      status_after: status,
      customer_id: bill.customer_id,
    };
    return {
      shop_id: shopId,
      bill_id: billId,
      key: key === undefined ? null : { kind: p.kind, id: p.id, key, route, hash, status: 201 },
      expect: { paid_fils: bill.paid_fils, status: bill.status },
      payment: {
        amount_fils: amount,
        method: body.method,
        taken_by_user: p.kind === 'user' ? p.id : (p.cashierId ?? null),
        taken_by_terminal: p.kind === 'terminal' ? p.id : null,
        paid_at: now.toISOString(),
      },
      paid_after: paidAfter,
      status_after: status,
      event,
    };
  }

  /** The written payment's answer; the node keeps the bill as it now is. */
  function written(rows: BillRows, terminal: number | null | undefined): WrittenOrReplayed {
    kept?.keepBill(shopId, billId, keptBillOf(rows, terminal));
    return { bill: presentRows(rows), replayed: false, status: 201 };
  }

  // A warm node: decided on the kept bill and settings, one statement. A terminal pays only its
  // own bills: one it did not create (or not known here to be its own) goes the read's way.
  const warm = kept?.recallPayment(shopId, billId, now);
  if (warm && (p.kind !== 'terminal' || warm.bill.terminal === p.id)) {
    let args: ReturnType<typeof decide> | undefined;
    try {
      args = decide(warm);
    } catch {
      // a refusal is decided on the bill as it is now, below
    }
    if (args) {
      await options.beforeWrite?.();
      // 'stale': the bill moved (another node's payment, a cancellation); null: the shop's settings
      const r = await writeOnKept<{ replay: KeyRow } | { rows: BillRows }>(sql, 'payment_write', args, warm.versions);
      if (r && r !== 'stale' && 'replay' in r) return replayedBill(replayOf(r.replay, hash));
      if (r && r !== 'stale') return written(billRowsFromJson(r.rows), warm.bill.terminal);
      kept!.forgetBill(shopId, billId, r === null);
    }
  }

  for (let attempt = 1; ; attempt++) {
    const rows = await sql<{ bill: (PaymentBasis['bill'] & { methods: string[]; today: string }) | null; replay: KeyRow | null }[]>`
      select
        (select to_jsonb(x) from (
          select b.total_fils, b.paid_fils, b.status, b.customer_id, s.payment_methods as methods,
                 (${now}::timestamptz at time zone s.timezone)::date as today
          from bills b join shop_settings s on s.shop_id = b.shop_id
          where b.shop_id = ${shopId} and b.id = ${billId}
            ${p.kind === 'terminal' ? sql`and b.created_by_terminal = ${p.id}` : sql``}) x) as bill,
        ${
          key === undefined
            ? sql`null::jsonb`
            : sql`(select to_jsonb(k) from (select status, response, request_hash from idempotency_keys
                where shop_id = ${shopId} and principal_kind = ${p.kind} and principal_id = ${p.id} and key = ${key}) k)`
        } as replay`;
    const row = theRow(rows);
    if (row.replay) return replayedBill(replayOf(row.replay, hash));
    const bill = row.bill;
    if (!bill) throw ERRORS.notFound('Bill');
    const args = decide({ bill, methods: bill.methods, today: bill.today });
    await options.beforeWrite?.();
    try {
      const [w] = await sql<{ r: { replay: KeyRow } | { rows: BillRows } }[]>`select payment_write(${sql.json(args as never)}) as r`;
      const r = w!.r;
      if ('replay' in r) return replayedBill(replayOf(r.replay, hash));
      // a terminal read only its own bills; a user's read says nothing of the bill's terminal
      return written(billRowsFromJson(r.rows), p.kind === 'terminal' ? p.id : undefined);
    } catch (err) {
      if (!isStalePlan(err)) throw err;
      if (attempt >= ATTEMPTS) throw ERRORS.conflict('The bill kept changing while this payment was taken; send it again');
    }
  }
}
