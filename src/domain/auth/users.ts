/**
 * Managing the people of a shop (API.md "Accounts and sessions"). The rules:
 * - an owner manages everyone; a manager manages cashiers only; a cashier manages nobody;
 * - nobody grants a role above their own (rank owner > manager > cashier): a manager may make a
 *   cashier a manager, and from then on no longer manages them;
 * - the shop's last active owner cannot be demoted or deactivated (422 last_owner): the shop
 *   would be left without anyone who can manage managers. Concurrent changes to two owners are
 *   serialised by locking the shop's owner rows, so two owners cannot demote each other at once.
 * A change of role, a deactivation and a password reset end every session of the user; the
 * caller announces them after commit (sessions.ts announceEnded).
 */
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import type { Principal, UserRole } from './principal.ts';
import type { PatchUserBody } from './schema.ts';
import { type EndReason, endSessions } from './sessions.ts';

const RANK: Record<UserRole, number> = { cashier: 1, manager: 2, owner: 3 };

export interface UserView {
  id: number;
  email: string;
  name: string;
  role: UserRole;
  active: boolean;
  last_login: Date | null;
  created_at: Date;
}

export async function listUsers(sql: Db, p: Principal): Promise<UserView[]> {
  return sql<UserView[]>`
    select id, email, name, role, active, last_login, created_at from users where shop_id = ${p.shopId} order by id`;
}

/** Whether `actor` may manage a user whose role is `target` (and, for a new role, grant it). */
export function mayManage(actor: Principal['role'], target: UserRole, grant?: UserRole): boolean {
  if (actor === 'owner') return true;
  if (actor !== 'manager') return false;
  return target === 'cashier' && (grant === undefined || RANK[grant] <= RANK.manager);
}

async function lockTarget(tx: Db, p: Principal, id: number): Promise<UserView> {
  // owners first, in id order: every change that could remove an owner takes the same locks in the same order
  await tx`select id from users where shop_id = ${p.shopId} and role = 'owner' order by id for update`;
  const [u] = await tx<UserView[]>`
    select id, email, name, role, active, last_login, created_at from users where shop_id = ${p.shopId} and id = ${id} for update`;
  if (!u) throw ERRORS.notFound('User');
  return u;
}

export interface UserChange {
  user: UserView;
  /** the sessions ended, and why (none when only the name changed or the user was re-activated) */
  ended: string[];
  reason?: EndReason;
}

export async function patchUser(sql: Sql, p: Principal, id: number, body: PatchUserBody): Promise<UserChange> {
  return sql.begin(async (tx) => {
    const u = await lockTarget(tx, p, id);
    if (!mayManage(p.role, u.role, body.role)) {
      throw ERRORS.forbidden(p.role === 'manager' ? 'A manager manages cashiers only, up to the manager role' : 'Your role may not do this');
    }
    const role = body.role ?? u.role;
    const active = body.active ?? u.active;
    const losesOwner = u.role === 'owner' && u.active && (role !== 'owner' || !active);
    if (losesOwner) {
      const [{ n }] = (await tx`
        select count(*)::int as n from users where shop_id = ${p.shopId} and role = 'owner' and active and id <> ${id}`) as unknown as [{ n: number }];
      if (n === 0) throw ERRORS.businessRule('last_owner', 'The shop needs at least one active owner: make another owner first');
    }
    const [user] = await tx<UserView[]>`
      update users set name = ${body.name ?? u.name}, role = ${role}, active = ${active}
      where shop_id = ${p.shopId} and id = ${id}
      returning id, email, name, role, active, last_login, created_at`;
    const reason: EndReason | undefined = u.active && !active ? 'deactivated' : role !== u.role ? 'role_changed' : undefined;
    const ended = reason ? await endSessions(tx, p.shopId, id, reason) : [];
    return { user: user!, ended, reason };
  });
}

/** Owner (anyone) or manager (cashiers): sets a user's password and ends all of their sessions. */
export async function resetPassword(sql: Sql, p: Principal, id: number, password: string): Promise<string[]> {
  const hash = await hashPassword(password);
  return sql.begin(async (tx) => {
    const u = await lockTarget(tx, p, id);
    if (!mayManage(p.role, u.role)) throw ERRORS.forbidden('A manager resets the passwords of cashiers only');
    await tx`update users set password_hash = ${hash} where shop_id = ${p.shopId} and id = ${id}`;
    return endSessions(tx, p.shopId, id, 'password_changed');
  });
}

/**
 * The caller changes their own password: the current one must be right (false when it is not).
 * Every other session of the caller ends; the calling session lives on.
 */
export async function changeOwnPassword(sql: Sql, p: Principal, current: string, next: string): Promise<string[] | false> {
  const [row] = await sql<{ password_hash: string }[]>`select password_hash from users where shop_id = ${p.shopId} and id = ${p.id}`;
  if (!row || !(await verifyPassword(row.password_hash, current))) return false;
  const hash = await hashPassword(next);
  return sql.begin(async (tx) => {
    await tx`update users set password_hash = ${hash} where shop_id = ${p.shopId} and id = ${p.id}`;
    return endSessions(tx, p.shopId, p.id, 'password_changed', { except: p.sessionId });
  });
}

/** The email of a user (for the per-email limit on password checks). */
export async function emailOf(sql: Db, p: Principal): Promise<string> {
  const [row] = await sql<{ email: string }[]>`select email from users where shop_id = ${p.shopId} and id = ${p.id}`;
  return row?.email ?? '';
}
