/**
 * User sessions (migration 0021). A session starts at login or signup; refresh issues a new token
 * for it; it ends on logout, logout-all, deactivation, role change and password change or reset.
 * Ending is a database write followed by `announceEnded`, which makes it felt on every node: the
 * authenticators' caches are dropped (session-changes.ts) and the sockets are told and closed
 * (the notifier, through the Socket.IO adapter).
 */
import type { Db } from '../../db/client.ts';
import type { ChangeNotifier } from '../common/index.ts';
import type { SessionChanges } from './session-changes.ts';

export type EndReason = 'logout' | 'deactivated' | 'role_changed' | 'password_changed';

/**
 * Starts a session of an active user; its first token expires in `ttlSeconds`. With
 * `passwordHash` (a login), only while the user's password is still that one: the user's row is
 * read FOR SHARE, so a password change committing meanwhile is waited for and then refuses the
 * session, and cannot miss it either (it ends the sessions it finds in the same transaction).
 * Returns undefined when no session was started.
 */
export async function startSession(sql: Db, shopId: number, userId: number, ttlSeconds: number, passwordHash?: string): Promise<string | undefined> {
  const [row] = await sql<{ id: string }[]>`
    with u as (
      select id from users where shop_id = ${shopId} and id = ${userId} and active
        ${passwordHash === undefined ? sql`` : sql`and password_hash = ${passwordHash}`}
      for share
    ), seen as (update users set last_login = now() where id in (select id from u) returning id)
    insert into sessions (shop_id, user_id, expires_at)
    select ${shopId}, id, now() + make_interval(secs => ${ttlSeconds}) from seen
    returning id`;
  return row?.id;
}

/** Moves a live session's expiry to that of a new token; false when the session has ended. */
export async function extendSession(sql: Db, shopId: number, sessionId: string, ttlSeconds: number): Promise<boolean> {
  const rows = await sql`
    update sessions set expires_at = now() + make_interval(secs => ${ttlSeconds})
    where id = ${sessionId}::uuid and shop_id = ${shopId} and ended_at is null returning id`;
  return rows.length === 1;
}

/**
 * Ends the user's live sessions (only `only` when given; all but `except` when given); returns
 * the ids ended.
 */
export async function endSessions(
  sql: Db,
  shopId: number,
  userId: number,
  reason: EndReason,
  scope: { only?: string; except?: string } = {},
): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    update sessions set ended_at = now(), end_reason = ${reason}
    where shop_id = ${shopId} and user_id = ${userId} and ended_at is null
      ${scope.only ? sql`and id = ${scope.only}::uuid` : sql``}
      ${scope.except ? sql`and id <> ${scope.except}::uuid` : sql``}
    returning id`;
  return rows.map((r) => r.id);
}

/** Deletes sessions whose last token expired more than a day ago, at most `batch` a call (the minute tick). Default 10,000. */
export async function purgeExpiredSessions(sql: Db, batch = 10_000): Promise<number> {
  const rows = await sql`
    delete from sessions where id in (select id from sessions where expires_at < now() - interval '1 day' limit ${batch}) returning 1`;
  return rows.length;
}

export interface SessionEndDeps {
  sessionChanges: SessionChanges;
  notifier: ChangeNotifier;
}

/** After commit: every node refuses the ended sessions and closes their sockets. */
export async function announceEnded(
  deps: SessionEndDeps,
  shopId: number,
  who: { user: number; sessions: readonly string[] } | { terminal: number },
  reason: EndReason | 'revoked',
): Promise<void> {
  if ('terminal' in who) {
    await deps.sessionChanges.changed('terminal', who.terminal);
    deps.notifier.sessionsEnded(shopId, { terminal: who.terminal }, reason);
  } else {
    await deps.sessionChanges.changed('user', who.user);
    deps.notifier.sessionsEnded(shopId, { sessions: who.sessions }, reason);
  }
}
