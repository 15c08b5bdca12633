/**
 * Accounts and sessions (API.md): the shop's users, passwords, token refresh and logout. Every
 * change that ends sessions is announced after commit, so each node refuses the ended sessions'
 * tokens and closes their sockets within moments (sessions.ts announceEnded).
 */
import {
  announceEnded,
  ChangePasswordBody,
  changeOwnPassword,
  checkPasswordPolicy,
  emailOf,
  endSessions,
  extendSession,
  listUsers,
  PatchUserBody,
  patchUser,
  type Principal,
  ROLES,
  resetPassword,
  SetPasswordBody,
  TokenError,
  TokenOut,
  UserOut,
} from '../../domain/auth/index.ts';
import { IdParams, PageOf, pageOfAll, ShortListQuery } from '../../domain/common/index.ts';
import { ERRORS } from '../../errors.ts';
import type { AppDeps } from '../../deps.ts';
import { route } from '../http/route.ts';

const tag = 'accounts';

export const accountRoutes = [
  route({
    method: 'get',
    path: '/api/users',
    summary: 'Users of the shop, with role, active flag and last login',
    tag,
    auth: ROLES.managers,
    query: ShortListQuery,
    response: PageOf(UserOut),
    handler: async ({ query, principal, deps }) => pageOfAll(await listUsers(deps.sql, principal), query),
  }),
  route({
    method: 'patch',
    path: '/api/users/:id',
    summary: "Rename, change the role of, deactivate or re-activate a user; a role change or deactivation ends the user's sessions",
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: PatchUserBody,
    response: UserOut,
    handler: async ({ params, body, principal, deps }) => {
      const change = await patchUser(deps.sql, principal, params.id, body);
      if (change.reason) await announceEnded(deps, principal.shopId, { user: params.id, sessions: change.ended }, change.reason);
      return change.user;
    },
  }),
  route({
    method: 'post',
    path: '/api/users/:id/password',
    summary: "Set a user's password (owner: anyone; manager: cashiers); ends all of that user's sessions",
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: SetPasswordBody,
    status: 204,
    handler: async ({ params, body, principal, deps }) => {
      await checkPasswordPolicy(body.password, 'password');
      const ended = await resetPassword(deps.sql, principal, params.id, body.password);
      await announceEnded(deps, principal.shopId, { user: params.id, sessions: ended }, 'password_changed');
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/password',
    summary: 'Change your own password; answers a new token, and every other session of yours ends (attempts limited per email)',
    tag,
    auth: ROLES.staff,
    body: ChangePasswordBody,
    response: TokenOut,
    handler: async ({ body, principal, deps, req }) => {
      await checkPasswordPolicy(body.new_password, 'new_password');
      const email = await emailOf(deps.sql, principal);
      // a stolen token must not become a way to guess the password: the login limits apply
      await deps.limits.checkLogin(email, req.ip);
      const ended = await changeOwnPassword(deps.sql, principal, body.current_password, body.new_password);
      if (ended === false) throw ERRORS.businessRule('wrong_password', 'The current password is wrong');
      await deps.limits.loginSucceeded(email);
      await announceEnded(deps, principal.shopId, { user: principal.id, sessions: ended }, 'password_changed');
      return { token: await refreshed(deps, principal) };
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/refresh',
    summary: 'A new token for this live session (the old one keeps working until its own expiry)',
    tag,
    auth: ROLES.staff,
    response: TokenOut,
    handler: async ({ principal, deps }) => ({ token: await refreshed(deps, principal) }),
  }),
  route({
    method: 'post',
    path: '/api/auth/logout',
    summary: 'End this session, on every node',
    tag,
    auth: ROLES.staff,
    status: 204,
    handler: async ({ principal, deps }) => {
      const ended = await endSessions(deps.sql, principal.shopId, principal.id, 'logout', { only: principal.sessionId });
      await announceEnded(deps, principal.shopId, { user: principal.id, sessions: ended }, 'logout');
    },
  }),
  route({
    method: 'post',
    path: '/api/auth/logout-all',
    summary: 'End every session of the caller, on every node',
    tag,
    auth: ROLES.staff,
    status: 204,
    handler: async ({ principal, deps }) => {
      const ended = await endSessions(deps.sql, principal.shopId, principal.id, 'logout');
      await announceEnded(deps, principal.shopId, { user: principal.id, sessions: ended }, 'logout');
    },
  }),
];

/** A new token for the caller's session, after moving the session's expiry to it. */
async function refreshed(deps: AppDeps, p: Principal): Promise<string> {
  const sessionId = p.sessionId!;
  if (!(await extendSession(deps.sql, p.shopId, sessionId, deps.tokens.userTtlSeconds))) throw new TokenError('session_ended');
  return deps.tokens.signUser({ userId: p.id, shopId: p.shopId, role: p.role, sessionId });
}
