/** Financial insights (API.md "Financial insights"). */
import { ROLES } from '../../domain/auth/index.ts';
import { getInsights, InsightsOut, InsightsQuery } from '../../domain/insights/index.ts';
import { route } from '../http/route.ts';

export const insightsRoutes = [
  route({
    method: 'get',
    path: '/api/financial-insights',
    summary: 'Revenue, VAT, expenses, profit and margin for a period and the one before it; cash flow; trends',
    tag: 'insights',
    auth: ROLES.managers,
    query: InsightsQuery,
    response: InsightsOut,
    handler: ({ query, principal, deps }) => getInsights({ ...deps, replicaWaitMs: deps.config.replicaWaitMs }, principal.shopId, query),
  }),
];
