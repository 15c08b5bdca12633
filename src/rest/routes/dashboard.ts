/** The live dashboard's first paint (API.md "Dashboard"); later changes arrive over Socket.IO. */
import { ROLES } from '../../domain/auth/index.ts';
import { DashboardSchema, getDashboard, type Dashboard } from '../../domain/dashboard/index.ts';
import { Reply, route } from '../http/route.ts';
import { compileSerializer } from '../http/serialize.ts';

/** getDashboard hands out the same object while the shop's seq and date stand still: serialize it once, through its schema. */
const serialized = new WeakMap<Dashboard, string>();
const writeDashboard = compileSerializer(DashboardSchema);

export const dashboardRoutes = [
  route({
    method: 'get',
    path: '/api/dashboard',
    summary: "Today's, this month's and recent figures of the shop, from Redis (O(days), whatever the number of bills)",
    tag: 'dashboard',
    auth: ROLES.managers,
    response: DashboardSchema,
    handler: async ({ principal, deps }) => {
      const d = await getDashboard(deps, principal.shopId);
      let json = serialized.get(d);
      if (json === undefined) {
        json = writeDashboard(d);
        serialized.set(d, json);
      }
      return new Reply(200, json, {}, 'application/json; charset=utf-8');
    },
  }),
];
