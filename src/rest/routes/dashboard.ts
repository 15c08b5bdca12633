/** The live dashboard's first paint (API.md "Dashboard"); later changes arrive over Socket.IO. */
import { ROLES } from '../../domain/auth/principal.ts';
import { getDashboard } from '../../domain/dashboard/read.ts';
import { route } from '../http/route.ts';

export const dashboardRoutes = [
  route({
    method: 'get',
    path: '/api/dashboard',
    summary: "Today's, this month's and recent figures of the shop, from Redis (O(days), whatever the number of bills)",
    tag: 'dashboard',
    auth: ROLES.managers,
    handler: ({ principal, deps }) => getDashboard(deps, principal.shopId),
  }),
];
