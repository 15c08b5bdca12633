/**
 * Who a shop's mail may go to (API.md "Accounts and sessions"): its own active users, and outside
 * addresses whose owner confirmed them through a one-time link (migration 0022). Checked when a
 * report or schedule names a recipient (422 recipient_not_confirmed) and again at send time, so
 * a user deactivated or an address removed since gets nothing.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import type { Principal } from '../auth/index.ts';

/** Outside recipients one shop may hold (confirmed or waiting). Default 50. */
export const MAX_RECIPIENTS = 50;
/** How long a confirmation link works, hours. Default 72. */
export const CONFIRM_TTL_HOURS = 72;

export interface RecipientView {
  id: number;
  email: string;
  confirmed: boolean;
  created_at: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Adds an outside address (waiting for its confirmation); the caller queues the confirmation mail. */
export async function addRecipient(sql: Db, p: Principal, email: string): Promise<RecipientView> {
  const [{ n }] = (await sql`select count(*)::int as n from mail_recipients where shop_id = ${p.shopId}`) as unknown as [{ n: number }];
  if (n >= MAX_RECIPIENTS) throw ERRORS.businessRule('too_many_recipients', `A shop may have at most ${MAX_RECIPIENTS} outside mail recipients`);
  const [row] = await sql<RecipientView[]>`
    insert into mail_recipients (shop_id, email, created_by)
    values (${p.shopId}, ${email}, ${p.kind === 'user' ? p.id : null})
    on conflict (shop_id, lower(email)) do nothing
    returning id, email, confirmed_at is not null as confirmed, created_at`;
  if (!row) throw ERRORS.conflict('This address is already a recipient of the shop');
  return row;
}

export async function listRecipients(sql: Db, p: Principal): Promise<RecipientView[]> {
  return sql<RecipientView[]>`
    select id, email, confirmed_at is not null as confirmed, created_at from mail_recipients where shop_id = ${p.shopId} order by id`;
}

export async function deleteRecipient(sql: Db, p: Principal, id: number): Promise<void> {
  const rows = await sql`delete from mail_recipients where shop_id = ${p.shopId} and id = ${id} returning id`;
  if (rows.length === 0) throw ERRORS.notFound('Mail recipient');
}

/**
 * A new one-time token for a waiting recipient (the confirmation mail's job): returns the token
 * to put in the link, with the address and shop name, or undefined when there is nothing to confirm.
 */
export async function issueConfirmation(sql: Db, recipientId: number): Promise<{ token: string; email: string; shopId: number; shopName: string } | undefined> {
  const token = randomBytes(32).toString('base64url');
  const [row] = await sql<{ email: string; shop_id: number; shop_name: string }[]>`
    update mail_recipients r set token_hash = ${hashToken(token)}, token_expires_at = now() + make_interval(hours => ${CONFIRM_TTL_HOURS})
    from shops s
    where r.id = ${recipientId} and r.confirmed_at is null and s.id = r.shop_id
    returning r.email, r.shop_id, s.name as shop_name`;
  return row ? { token, email: row.email, shopId: Number(row.shop_id), shopName: row.shop_name } : undefined;
}

/** Uses a confirmation token: the address is confirmed; undefined for an unknown, used or expired token. */
export async function confirmRecipient(sql: Db, token: string): Promise<{ email: string } | undefined> {
  const [row] = await sql<{ email: string }[]>`
    update mail_recipients set confirmed_at = now(), token_hash = null, token_expires_at = null
    where token_hash = ${hashToken(token)} and token_expires_at > now() and confirmed_at is null
    returning email`;
  return row;
}

/** Of `emails`, those the shop may not send to (neither an active user nor a confirmed recipient). */
export async function notAllowed(sql: Db, shopId: number, emails: readonly string[]): Promise<string[]> {
  if (emails.length === 0) return [];
  const lowered = [...new Set(emails.map((e) => e.toLowerCase()))];
  const rows = await sql<{ email: string }[]>`
    select lower(email) as email from users where shop_id = ${shopId} and active and lower(email) = any(${lowered})
    union
    select lower(email) from mail_recipients where shop_id = ${shopId} and confirmed_at is not null and lower(email) = any(${lowered})`;
  const ok = new Set(rows.map((r) => r.email));
  return emails.filter((e) => !ok.has(e.toLowerCase()));
}

/** Throws 422 recipient_not_confirmed naming the addresses the shop may not send to. */
export async function assertRecipientsAllowed(sql: Db, shopId: number, emails: readonly string[], field: string): Promise<void> {
  const refused = await notAllowed(sql, shopId, emails);
  if (refused.length > 0) {
    throw ERRORS.businessRule(
      'recipient_not_confirmed',
      'Mail goes only to active users of the shop or to addresses confirmed through POST /api/mail-recipients',
      { field, emails: refused },
    );
  }
}

/**
 * Counts `n` recipients against the shop's daily quota, in one statement: true when they fit
 * (and are counted), false when the day's quota would be passed (nothing counted).
 */
export async function takeMailQuota(sql: Db, shopId: number, n: number, quota: number): Promise<boolean> {
  if (n > quota) return false;
  const rows = await sql`
    insert into mail_quota (shop_id, day, sent) values (${shopId}, (now() at time zone 'UTC')::date, ${n})
    on conflict (shop_id, day) do update set sent = mail_quota.sent + excluded.sent
    where mail_quota.sent + excluded.sent <= ${quota}
    returning sent`;
  return rows.length === 1;
}
