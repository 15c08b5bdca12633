/** The expenses section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { generateRecurringExpenses } from './generate-recurring.ts';
export { createRecurring, deleteRecurring, listRecurring, patchRecurring } from './recurring.ts';
export { CategoryBody, CategoryOut, CreateExpenseBody, CreateRecurringBody, ExpenseOut, ExpensePage, ListExpensesQuery, ListRecurringQuery, PatchExpenseBody, PatchRecurringBody, RecurringOut } from './schema.ts';
export { createCategory, createExpense, deleteCategory, deleteExpense, getExpense, listCategories, listExpenses, patchExpense, renameCategory } from './service.ts';
