import { type Static, Type } from '@sinclair/typebox';
import { DateOut, DateStr, Id, Instant, Money, Name, Nullable, Page, PageOf, Search, Text } from '../common/index.ts';

/** A date an expense can fall on: years 2000-2099, so a typo (0202, 2206…) is a 400, not a row. */
const Day = DateStr;
/** Payment methods are checked against the shop's list in the service (422 when unknown). */
const Method = Type.String({ minLength: 1, maxLength: 40 });
/** http(s) only: a receipt link opened from a page must not be a javascript: or data: URI. */
const ReceiptUrl = Type.String({ format: 'uri', pattern: '^[hH][tT][tT][pP][sS]?://', maxLength: 1000 });

export const CategoryBody = Type.Object({ name: Name(100) }, { additionalProperties: false });
export type CategoryBody = Static<typeof CategoryBody>;

const ExpenseFields = {
  category_id: Id,
  expense_date: Day,
  amount: Money,
  description: Type.Union([Text(1000), Type.Null()]),
  payment_method: Type.Union([Method, Type.Null()]),
  receipt_url: Type.Union([ReceiptUrl, Type.Null()]),
};
export const CreateExpenseBody = Type.Object(
  {
    category_id: ExpenseFields.category_id,
    expense_date: ExpenseFields.expense_date,
    amount: ExpenseFields.amount,
    description: Type.Optional(ExpenseFields.description),
    payment_method: Type.Optional(ExpenseFields.payment_method),
    receipt_url: Type.Optional(ExpenseFields.receipt_url),
  },
  { additionalProperties: false },
);
export type CreateExpenseBody = Static<typeof CreateExpenseBody>;
export const PatchExpenseBody = Type.Partial(Type.Object(ExpenseFields), { additionalProperties: false, minProperties: 1 });
export type PatchExpenseBody = Static<typeof PatchExpenseBody>;

export const ListExpensesQuery = Type.Object(
  { from: Type.Optional(DateStr), to: Type.Optional(DateStr), category_id: Type.Optional(Id), search: Type.Optional(Search), ...Page },
  { additionalProperties: false },
);
export type ListExpensesQuery = Static<typeof ListExpensesQuery>;

export const Frequency = Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly'), Type.Literal('yearly')]);
const RecurringFields = {
  category_id: Id,
  amount: Money,
  description: Type.Union([Text(1000), Type.Null()]),
  payment_method: Type.Union([Method, Type.Null()]),
  frequency: Frequency,
  start_date: Day,
  end_date: Type.Union([Day, Type.Null()]),
  active: Type.Boolean(),
};
export const CreateRecurringBody = Type.Object(
  {
    category_id: RecurringFields.category_id,
    amount: RecurringFields.amount,
    description: Type.Optional(RecurringFields.description),
    payment_method: Type.Optional(RecurringFields.payment_method),
    frequency: RecurringFields.frequency,
    start_date: RecurringFields.start_date,
    end_date: Type.Optional(RecurringFields.end_date),
  },
  { additionalProperties: false },
);
export type CreateRecurringBody = Static<typeof CreateRecurringBody>;
export const PatchRecurringBody = Type.Partial(Type.Object(RecurringFields), { additionalProperties: false, minProperties: 1 });
export type PatchRecurringBody = Static<typeof PatchRecurringBody>;

export const ListRecurringQuery = Type.Object({ ...Page }, { additionalProperties: false });
export type ListRecurringQuery = Static<typeof ListRecurringQuery>;

export const CategoryOut = Type.Object({ id: Type.Integer(), name: Type.String(), created_at: Instant, expense_count: Type.Integer({ minimum: 0 }) });

export const ExpenseOut = Type.Object({
  id: Type.Integer(),
  category_id: Type.Integer(),
  category_name: Type.String(),
  expense_date: DateOut,
  amount: Type.Number(),
  description: Nullable(Type.String()),
  payment_method: Nullable(Type.String()),
  receipt_url: Nullable(Type.String()),
  recurring_id: Nullable(Type.Integer({ description: 'the definition that generated it' })),
  created_at: Instant,
  updated_at: Instant,
});

export const ExpensePage = Type.Composite([PageOf(ExpenseOut), Type.Object({ total_amount: Type.Number({ description: 'the sum of every expense the filter matches, not just the page' }) })]);

export const RecurringOut = Type.Object({
  id: Type.Integer(),
  category_id: Type.Integer(),
  category_name: Type.String(),
  amount: Type.Number(),
  description: Nullable(Type.String()),
  payment_method: Nullable(Type.String()),
  frequency: Type.Union([Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly'), Type.Literal('yearly')]),
  start_date: DateOut,
  end_date: Nullable(DateOut),
  next_due: DateOut,
  active: Type.Boolean(),
  created_at: Instant,
  updated_at: Instant,
});
