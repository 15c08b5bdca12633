/** Signup, login, users and terminals (API.md "Auth and people"). */
import { IdParams, PageOf, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import {
  announceEnded,
  checkPasswordPolicy,
  CreateTerminalBody,
  CreateUserBody,
  LoginBody,
  MeOut,
  NewTerminalOut,
  NewUserOut,
  ROLES,
  SessionOut,
  SignupBody,
  TerminalOut,
} from '../../domain/auth/index.ts';
import { rebuildShop } from '../../domain/aggregates/index.ts';
import * as auth from '../../domain/auth/index.ts';
import { onlineTerminals } from '../../domain/terminals/index.ts';
import { ERRORS } from '../../errors.ts';
import { route } from '../http/route.ts';

const tag = 'auth';

export const authRoutes = [
  route({
    method: 'post',
    path: '/api/auth/signup',
    summary: 'Create a shop with its owner; returns a session (rate limited per client address and in total, per hour)',
    tag,
    auth: 'public',
    body: SignupBody,
    status: 201,
    response: SessionOut,
    handler: async ({ body, req, deps }) => {
      await deps.limits.checkSignup(req.ip);
      await checkPasswordPolicy(body.password, 'password');
      const session = await auth.signup(deps.sql, deps.tokens, body);
      // Build the new shop's (empty) aggregates now, so its first bill is applied and pushed
      // incrementally rather than folded into a first rebuild. If this fails the aggregator
      // rebuilds the shop on its own.
      await rebuildShop(deps.sql, deps.redis, deps.keys, session.shop.id).catch((err) =>
        deps.log.warn({ err: (err as Error).message, shopId: session.shop.id }, 'initial aggregates not built'),
      );
      return session;
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/login',
    summary: 'Log in with email and password (rate limited per email and per IP)',
    tag,
    auth: 'public',
    body: LoginBody,
    errors: [401],
    response: SessionOut,
    handler: async ({ body, req, deps }) => {
      await deps.limits.checkLogin(body.email, req.ip);
      const session = await auth.login(deps.sql, deps.tokens, body);
      if (!session) throw ERRORS.invalidCredentials();
      await deps.limits.loginSucceeded(body.email);
      return session;
    },
  }),
  route({
    method: 'get',
    path: '/api/auth/me',
    summary: 'Who the token belongs to',
    tag,
    auth: ROLES.any,
    response: MeOut,
    handler: ({ principal }) => ({ kind: principal.kind, id: principal.id, shop_id: principal.shopId, role: principal.role }),
  }),
  route({
    method: 'post',
    path: '/api/users',
    summary: 'Add a manager or cashier to the shop',
    tag,
    auth: ROLES.managers,
    body: CreateUserBody,
    status: 201,
    response: NewUserOut,
    handler: async ({ body, principal, deps }) => {
      await checkPasswordPolicy(body.password, 'password');
      return auth.createUser(deps.sql, principal, body);
    },
  }),
  route({
    method: 'post',
    path: '/api/terminals',
    summary: 'Register a POS terminal; the answer holds its token (shown once)',
    tag,
    auth: ROLES.managers,
    body: CreateTerminalBody,
    status: 201,
    response: NewTerminalOut,
    handler: ({ body, principal, deps }) => auth.createTerminal(deps.sql, deps.tokens, principal, body),
  }),
  route({
    method: 'get',
    path: '/api/terminals',
    summary: 'Terminals with online state, last seen and acknowledged settings version',
    tag,
    auth: ROLES.managers,
    query: ShortListQuery,
    response: PageOf(TerminalOut),
    handler: async ({ query, principal, deps }) => {
      const [rows, online] = await Promise.all([
        auth.listTerminals(deps.sql, principal),
        onlineTerminals(deps.redis, deps.keys, principal.shopId),
      ]);
      return pageOfAll(
        rows.map((t) => ({
          ...t,
          online: online.has(t.id),
          last_seen: online.has(t.id) ? new Date(online.get(t.id)!) : t.last_seen,
        })),
        query,
      );
    },
  }),
  route({
    method: 'delete',
    path: '/api/terminals/:id',
    summary: 'Revoke a terminal: its token stops working and its sockets close, on every node',
    tag,
    auth: ROLES.managers,
    params: IdParams,
    status: 204,
    handler: async ({ params, principal, deps }) => {
      await auth.revokeTerminal(deps.sql, principal, params.id);
      // every node refuses its token and closes its sockets (API.md "Accounts and sessions")
      await announceEnded(deps, principal.shopId, { terminal: params.id }, 'revoked');
    },
  }),
];

