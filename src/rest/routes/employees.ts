/** Employees (API.md "Employees"): staff read, managers write; terminals use GET /api/masters. */
import { ROLES } from '../../domain/auth/index.ts';
import { IdParams, PageOf } from '../../domain/common/index.ts';
import { CreateEmployeeBody, EmployeeOut, ListEmployeesQuery, PatchEmployeeBody, PerformanceOut, PerformanceQuery } from '../../domain/employees/index.ts';
import * as employees from '../../domain/employees/index.ts';
import { type AnyRoute, route } from '../http/route.ts';

const tag = 'employees';

export const employeesRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/employees',
    summary: 'Employees with their bills, sales and average bill',
    tag,
    auth: ROLES.staff,
    query: ListEmployeesQuery,
    response: PageOf(EmployeeOut),
    handler: ({ query, principal, deps }) => employees.listEmployees(deps, principal, query),
  }),
  route({
    method: 'post',
    path: '/api/employees',
    summary: 'Add an employee (master)',
    tag,
    auth: ROLES.managers,
    body: CreateEmployeeBody,
    status: 201,
    response: EmployeeOut,
    handler: async ({ body, principal, deps }) => {
      const e = await employees.createEmployee(deps.sql, principal, body);
      return employees.getEmployee(deps, principal, e.id);
    },
  }),
  route({
    method: 'get',
    path: '/api/employees/:id',
    summary: 'One employee with figures',
    tag,
    auth: ROLES.staff,
    params: IdParams,
    response: EmployeeOut,
    handler: ({ params, principal, deps }) => employees.getEmployee(deps, principal, params.id),
  }),
  route({
    method: 'patch',
    path: '/api/employees/:id',
    summary: 'Change an employee',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: PatchEmployeeBody,
    response: EmployeeOut,
    handler: async ({ params, body, principal, deps }) => {
      await employees.patchEmployee(deps.sql, principal, params.id, body);
      return employees.getEmployee(deps, principal, params.id);
    },
  }),
  route({
    method: 'delete',
    path: '/api/employees/:id',
    summary: 'Remove an employee (soft delete; bills keep naming them)',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: ({ params, principal, deps }) => employees.deleteEmployee(deps.sql, principal, params.id),
  }),
  route({
    method: 'get',
    path: '/api/employees/:id/performance',
    summary: 'Bills, revenue, average bill and top products of an employee for a period',
    tag,
    auth: ROLES.staff,
    params: IdParams,
    query: PerformanceQuery,
    response: PerformanceOut,
    handler: ({ params, query, principal, deps }) => employees.performance(deps.sql, principal, params.id, query, deps.clock.now()),
  }),
];
