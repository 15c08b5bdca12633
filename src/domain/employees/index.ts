/** The employees section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { CreateEmployeeBody, EmployeeOut, ListEmployeesQuery, PatchEmployeeBody, PerformanceOut, PerformanceQuery } from './schema.ts';
export { createEmployee, deleteEmployee, getEmployee, listEmployees, patchEmployee, performance } from './service.ts';
