/** Every REST route, section by section. */
import type { AnyRoute } from '../http/route.ts';
import { accountRoutes } from './accounts.ts';
import { authRoutes } from './auth.ts';
import { billingRoutes } from './billing.ts';
import { catalogueRoutes } from './catalogue.ts';
import { customersRoutes } from './customers.ts';
import { dashboardRoutes } from './dashboard.ts';
import { employeesRoutes } from './employees.ts';
import { expensesRoutes } from './expenses.ts';
import { insightsRoutes } from './insights.ts';
import { loyaltyRoutes } from './loyalty.ts';
import { mailRecipientRoutes } from './mail-recipients.ts';
import { opsRoutes } from './ops.ts';
import { pagesRoutes } from './pages.ts';
import { placesRoutes } from './places.ts';
import { reportsRoutes } from './reports.ts';
import { settingsRoutes } from './settings.ts';
import { terminalSessionRoutes } from './terminal-sessions.ts';

export function allRoutes(): AnyRoute[] {
  const routes: AnyRoute[] = [
    ...authRoutes,
    ...accountRoutes,
    ...catalogueRoutes,
    ...customersRoutes,
    ...employeesRoutes,
    ...settingsRoutes,
    ...loyaltyRoutes,
    ...expensesRoutes,
    ...placesRoutes,
    ...billingRoutes,
    ...terminalSessionRoutes,
    ...dashboardRoutes,
    ...insightsRoutes,
    ...reportsRoutes,
    ...mailRecipientRoutes,
    ...pagesRoutes,
  ];
  routes.push(...opsRoutes(() => routes));
  return routes;
}
