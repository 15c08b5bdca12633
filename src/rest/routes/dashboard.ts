/** The live dashboard's first paint (API.md "Dashboard"); later changes arrive over Socket.IO. */
import { ROLES } from '../../domain/auth/index.ts';
import { getDashboard, type Dashboard } from '../../domain/dashboard/index.ts';
import { Reply, route } from '../http/route.ts';

/** getDashboard hands out the same object while the shop's seq and date stand still: serialize it once. */
const serialized = new WeakMap<Dashboard, string>();

export const dashboardRoutes = [
  route({
    method: 'get',
    path: '/api/dashboard',
    summary: "Today's, this month's and recent figures of the shop, from Redis (O(days), whatever the number of bills)",
    tag: 'dashboard',
    auth: ROLES.managers,
    handler: async ({ principal, deps }) => {
      const d = await getDashboard(deps, principal.shopId);
      let json = serialized.get(d);
      if (json === undefined) {
        json = JSON.stringify(d);
        serialized.set(d, json);
      }
      return new Reply(200, json, {}, 'application/json; charset=utf-8');
    },
  }),
];
