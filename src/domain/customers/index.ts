/** The customers section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { employeeFigures } from './figures.ts';
export type { FiguresDeps } from './figures.ts';
export { CreateCustomerBody, CustomerOut, ListCustomersQuery, PatchCustomerBody, RecentQuery } from './schema.ts';
export { createCustomer, deleteCustomer, getCustomer, listCustomers, newCustomerRow, patchCustomer, recentCustomers } from './service.ts';
export type { BillCustomer, NewCustomerRef } from './service.ts';
