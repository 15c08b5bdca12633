/** Customers (API.md "Customers"): staff only; terminals find customers by phone when billing. */
import { ROLES } from '../../domain/auth/index.ts';
import { IdParams, ItemsOf, PageOf } from '../../domain/common/index.ts';
import { CreateCustomerBody, CustomerOut, ListCustomersQuery, PatchCustomerBody, RecentQuery } from '../../domain/customers/index.ts';
import * as customers from '../../domain/customers/index.ts';
import { type AnyRoute, route } from '../http/route.ts';

const tag = 'customers';

export const customersRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/customers',
    summary: 'Customers by name; search by name, business name or phone fragment; with bills, spend and last visit',
    tag,
    auth: ROLES.staff,
    query: ListCustomersQuery,
    response: PageOf(CustomerOut),
    cache: ['customers', 'figures'],
    handler: ({ query, principal, deps }) => customers.listCustomers(deps, principal, query),
  }),
  route({
    method: 'get',
    path: '/api/customers/recent',
    summary: 'Customers of the most recent bills',
    tag,
    auth: ROLES.staff,
    query: RecentQuery,
    response: ItemsOf(CustomerOut),
    handler: ({ query, principal, deps }) => customers.recentCustomers(deps, principal, query.limit),
  }),
  route({
    method: 'post',
    path: '/api/customers',
    summary: 'Add a customer (phone normalised to E.164, unique per shop)',
    tag,
    auth: ROLES.staff,
    body: CreateCustomerBody,
    status: 201,
    response: CustomerOut,
    handler: async ({ body, principal, deps }) => {
      const c = await customers.createCustomer(deps.sql, principal, body);
      return { ...c, total_bills: 0, total_spent: 0, last_visit: null };
    },
  }),
  route({
    method: 'get',
    path: '/api/customers/:id',
    summary: 'One customer with its figures',
    tag,
    auth: ROLES.staff,
    params: IdParams,
    response: CustomerOut,
    handler: ({ params, principal, deps }) => customers.getCustomer(deps, principal, params.id),
  }),
  route({
    method: 'patch',
    path: '/api/customers/:id',
    summary: 'Change a customer',
    tag,
    auth: ROLES.staff,
    params: IdParams,
    body: PatchCustomerBody,
    response: CustomerOut,
    handler: async ({ params, body, principal, deps }) => {
      await customers.patchCustomer(deps.sql, principal, params.id, body);
      return customers.getCustomer(deps, principal, params.id);
    },
  }),
  route({
    method: 'delete',
    path: '/api/customers/:id',
    summary: 'Remove a customer (soft delete; their bills keep their snapshot)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: async ({ params, principal, deps }) => {
      await customers.deleteCustomer(deps.sql, principal, params.id);
    },
  }),
];
