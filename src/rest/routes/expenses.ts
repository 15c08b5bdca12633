/** Expenses, categories and recurring definitions (API.md "Expenses"): staff read, managers write. */
import { IdParams, PageOf, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import { ROLES } from '../../domain/auth/index.ts';
import {
  CategoryOut,
  ExpenseOut,
  ExpensePage,
  RecurringOut,
  CategoryBody,
  CreateExpenseBody,
  CreateRecurringBody,
  ListExpensesQuery,
  ListRecurringQuery,
  PatchExpenseBody,
  PatchRecurringBody,
} from '../../domain/expenses/index.ts';
import * as recurring from '../../domain/expenses/index.ts';
import * as expenses from '../../domain/expenses/index.ts';
import { type AnyRoute, route } from '../http/route.ts';

const tag = 'expenses';

export const expensesRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/expense-categories',
    summary: 'Expense categories with their number of expenses',
    tag,
    auth: ROLES.staff,
    query: ShortListQuery,
    response: PageOf(CategoryOut),
    handler: async ({ query, principal, deps }) => pageOfAll(await expenses.listCategories(deps.sql, principal.shopId), query),
  }),
  route({
    method: 'post',
    path: '/api/expense-categories',
    summary: 'Add a category (name unique per shop)',
    tag,
    auth: ROLES.managers,
    body: CategoryBody,
    status: 201,
    response: CategoryOut,
    handler: ({ body, principal, deps }) => expenses.createCategory(deps.sql, principal.shopId, body),
  }),
  route({
    method: 'patch',
    path: '/api/expense-categories/:id',
    summary: 'Rename a category',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: CategoryBody,
    response: CategoryOut,
    handler: ({ params, body, principal, deps }) => expenses.renameCategory(deps.sql, principal.shopId, params.id, body),
  }),
  route({
    method: 'delete',
    path: '/api/expense-categories/:id',
    summary: 'Remove a category (409 while live expenses or recurring definitions use it)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: ({ params, principal, deps }) => expenses.deleteCategory(deps.sql, principal.shopId, params.id),
  }),
  route({
    method: 'get',
    path: '/api/expenses',
    summary: 'Expenses, newest first, with filters and the total of everything matching',
    tag,
    auth: ROLES.staff,
    query: ListExpensesQuery,
    response: ExpensePage,
    handler: ({ query, principal, deps }) => expenses.listExpenses(deps.sql, principal.shopId, query),
  }),
  route({
    method: 'post',
    path: '/api/expenses',
    summary: 'Record an expense',
    tag,
    auth: ROLES.managers,
    body: CreateExpenseBody,
    status: 201,
    response: ExpenseOut,
    handler: async ({ body, principal, deps }) => {
      const e = await expenses.createExpense(deps.sql, principal, body);
      return e;
    },
  }),
  route({
    method: 'get',
    path: '/api/expenses/:id',
    summary: 'One expense',
    tag,
    auth: ROLES.staff,
    params: IdParams,
    response: ExpenseOut,
    handler: ({ params, principal, deps }) => expenses.getExpense(deps.sql, principal.shopId, params.id),
  }),
  route({
    method: 'patch',
    path: '/api/expenses/:id',
    summary: 'Change an expense',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: PatchExpenseBody,
    response: ExpenseOut,
    handler: async ({ params, body, principal, deps }) => {
      const e = await expenses.patchExpense(deps.sql, principal, params.id, body);
      return e;
    },
  }),
  route({
    method: 'delete',
    path: '/api/expenses/:id',
    summary: 'Remove an expense (soft delete)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: async ({ params, principal, deps }) => {
      await expenses.deleteExpense(deps.sql, principal, params.id);
    },
  }),
  route({
    method: 'get',
    path: '/api/recurring-expenses',
    summary: 'Recurring expense definitions, next due first',
    tag,
    auth: ROLES.staff,
    query: ListRecurringQuery,
    response: PageOf(RecurringOut),
    handler: ({ query, principal, deps }) => recurring.listRecurring(deps.sql, principal.shopId, query),
  }),
  route({
    method: 'post',
    path: '/api/recurring-expenses',
    summary: 'Define a recurring expense (daily, weekly, monthly, yearly); the worker turns it into expenses when due',
    tag,
    auth: ROLES.managers,
    body: CreateRecurringBody,
    status: 201,
    response: RecurringOut,
    handler: ({ body, principal, deps }) => recurring.createRecurring(deps.sql, principal.shopId, body),
  }),
  route({
    method: 'patch',
    path: '/api/recurring-expenses/:id',
    summary: 'Change a recurring definition (start_date is fixed once it produced an expense; reactivating skips the paused dates)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: PatchRecurringBody,
    response: RecurringOut,
    handler: ({ params, body, principal, deps }) => recurring.patchRecurring(deps.sql, principal.shopId, params.id, body, deps.clock.now()),
  }),
  route({
    method: 'delete',
    path: '/api/recurring-expenses/:id',
    summary: 'Stop and remove a recurring definition (expenses already made stay)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: ({ params, principal, deps }) => recurring.deleteRecurring(deps.sql, principal.shopId, params.id),
  }),
];
