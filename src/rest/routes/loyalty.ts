/** Loyalty programme and accounts (API.md "Loyalty"). Config and tier changes are settings changes (section 'loyalty'). */
import { IdParams, PageOf, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import { ROLES } from '../../domain/auth/index.ts';
import { AccountOut, LedgerEntryOut, LedgerQuery, LoyaltyChange, LoyaltyConfigBody, LoyaltyConfigOut, TierView, TiersBody } from '../../domain/loyalty/index.ts';
import * as loyalty from '../../domain/loyalty/index.ts';
import { changeSettings } from '../../domain/settings/index.ts';
import { type AnyRoute, route } from '../http/route.ts';

const tag = 'loyalty';

export const loyaltyRoutes: AnyRoute[] = [
  route({
    method: 'get',
    path: '/api/loyalty/config',
    summary: 'The loyalty programme',
    tag,
    auth: ROLES.any,
    response: LoyaltyConfigOut,
    handler: ({ principal, deps }) => loyalty.loyaltyConfig(deps.sql, principal.shopId),
  }),
  route({
    method: 'put',
    path: '/api/loyalty/config',
    summary: 'Change the programme (points per unit, point value, redemption limits) → {loyalty: {config, tiers}, version}',
    tag,
    auth: ROLES.managers,
    body: LoyaltyConfigBody,
    response: LoyaltyChange,
    handler: ({ body, principal, deps }) =>
      changeSettings(deps.sql, deps.notifier, principal.shopId, 'loyalty', (tx) => loyalty.putConfig(tx, principal.shopId, body)),
  }),
  route({
    method: 'get',
    path: '/api/loyalty/tiers',
    summary: 'The tiers, lowest first → {items}',
    tag,
    auth: ROLES.any,
    query: ShortListQuery,
    response: PageOf(TierView),
    handler: async ({ query, principal, deps }) => pageOfAll(await loyalty.tiers(deps.sql, principal.shopId), query),
  }),
  route({
    method: 'put',
    path: '/api/loyalty/tiers',
    summary: "Replace the tiers; every account's tier is re-evaluated at once → {loyalty: {config, tiers}, version}",
    tag,
    auth: ROLES.managers,
    body: TiersBody,
    response: LoyaltyChange,
    handler: async ({ body, principal, deps }) => {
      const r = await changeSettings(deps.sql, deps.notifier, principal.shopId, 'loyalty', (tx) => loyalty.replaceTiers(tx, principal.shopId, body));
      return r;
    },
  }),
  route({
    method: 'get',
    path: '/api/loyalty/customers/:id',
    summary: "A customer's points, tier, spend and distance to the next tier",
    tag,
    auth: ROLES.staff,
    params: IdParams,
    response: AccountOut,
    handler: ({ params, principal, deps }) => loyalty.customerLoyalty(deps, principal.shopId, params.id),
  }),
  route({
    method: 'get',
    path: '/api/loyalty/customers/:id/ledger',
    summary: "A customer's points movements, newest first",
    tag,
    auth: ROLES.staff,
    params: IdParams,
    query: LedgerQuery,
    response: PageOf(LedgerEntryOut),
    handler: ({ params, query, principal, deps }) => loyalty.customerLedger(deps.sql, principal.shopId, params.id, query),
  }),
];
