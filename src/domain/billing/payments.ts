/**
 * POST /api/bills/:id/payments: a payment on an open bill. The bill row is locked so two
 * payments racing for the same balance cannot both pass the "not more than the balance" check.
 * A terminal takes payments only on bills it created, as it reads only those (DOMAIN.md: a
 * terminal cannot read other terminals' data, and the answer is the whole bill); any other bill
 * is a 404 to it. Staff logged in as users take payments on every bill of the shop.
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';
import { filsText, fromFils, toFils } from '../common/index.ts';
import { appendEvent, type PaymentAddedPayload } from '../events/index.ts';
import { statusOf } from './arithmetic.ts';
import { type BillDetail, loadBill } from './present.ts';
import type { AddPaymentBody } from './schema.ts';

export async function addPayment(tx: Db, p: Principal, billId: number, body: AddPaymentBody, now: Date): Promise<BillDetail> {
  const shopId = p.shopId;
  const [bill] = await tx<{ total_fils: number; paid_fils: number; status: string; customer_id: number | null; methods: string[]; today: string }[]>`
    select b.total_fils, b.paid_fils, b.status, b.customer_id, s.payment_methods as methods,
           (${now}::timestamptz at time zone s.timezone)::date as today
    from bills b join shop_settings s on s.shop_id = b.shop_id
    where b.shop_id = ${shopId} and b.id = ${billId}
      ${p.kind === 'terminal' ? tx`and b.created_by_terminal = ${p.id}` : tx``}
    for update of b`;
  if (!bill) throw ERRORS.notFound('Bill');
  if (bill.status === 'Cancelled') throw ERRORS.businessRule('bill_cancelled', 'The bill is cancelled');
  if (!bill.methods.includes(body.method)) {
    throw ERRORS.businessRule('unknown_payment_method', "method is not one of the shop's payment methods");
  }
  const amount = toFils(body.amount, 'amount');
  const balance = bill.total_fils - bill.paid_fils;
  if (amount > balance) {
    throw ERRORS.businessRule('overpayment', `The payment exceeds the balance of ${filsText(balance)}`, { balance: fromFils(balance) });
  }
  const paidAfter = bill.paid_fils + amount;
  const status = statusOf(bill.total_fils, paidAfter) as 'Partial' | 'Paid';
  await tx`
    insert into payments (shop_id, bill_id, amount_fils, method, taken_by_user, taken_by_terminal, paid_at)
    values (${shopId}, ${billId}, ${amount}, ${body.method}, ${p.kind === 'user' ? p.id : (p.cashierId ?? null)}, ${p.kind === 'terminal' ? p.id : null}, ${now})`;
  await tx`update bills set paid_fils = ${paidAfter}, status = ${status} where shop_id = ${shopId} and id = ${billId}`;
  const detail = await loadBill(tx, shopId, billId);
  const payload: PaymentAddedPayload = {
    bill_id: billId,
    payment: [body.method, amount, bill.today],
    total: bill.total_fils,
    paid_after: paidAfter,
    status_after: status,
    customer_id: bill.customer_id,
  };
  await appendEvent(tx, shopId, 'payment_added', billId, payload);
  return detail;
}
