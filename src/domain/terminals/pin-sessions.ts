/**
 * Cashier PINs and PIN sessions at a shared terminal (issue 17, API.md "The counter").
 * - A manager sets a 4–6 digit PIN per cashier, stored as an argon2id hash like passwords. PINs
 *   are unique among a shop's active cashiers, since a PIN alone names who signs in.
 * - A terminal signs a cashier in with the PIN: a terminal_sessions row and a token with the
 *   terminal's rights naming the cashier (tokens.ts signTerminalSession). The terminal's rights do
 *   not grow; bills made with the token record cashier_id.
 * - Signing out ends the row; authenticate.ts refuses the token from then on. Wrong PINs are
 *   limited per terminal by the route (rest/pin-limit.ts).
 */
import type { Db } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { hashPassword, type Principal, type TokenService, verifyPassword } from '../auth/index.ts';

/** At most this many cashiers' PINs are checked per sign-in (each check is an argon2 verify). */
export const MAX_PIN_CASHIERS = 50;

interface PinHolder {
  id: number;
  name: string;
  email: string;
  pin_hash: string;
}

function pinHolders(sql: Db, shopId: number) {
  return sql<PinHolder[]>`
    select id, name, email, pin_hash from users
    where shop_id = ${shopId} and role = 'cashier' and active and pin_hash is not null
    order by id limit ${MAX_PIN_CASHIERS}`;
}

/** The first holder whose PIN is `pin` (every hash checked in parallel on libuv's pool). */
async function holderOf(holders: PinHolder[], pin: string): Promise<PinHolder | undefined> {
  const ok = await Promise.all(holders.map((h) => verifyPassword(h.pin_hash, pin)));
  return holders[ok.indexOf(true)];
}

/** PUT /api/users/:id/pin: the target must be an active cashier of the actor's shop. */
export async function setPin(sql: Db, actor: Principal, userId: number, pin: string): Promise<void> {
  const [target] = await sql<{ role: string; active: boolean }[]>`
    select role, active from users where shop_id = ${actor.shopId} and id = ${userId}`;
  if (!target) throw ERRORS.notFound('User');
  if (target.role !== 'cashier') throw ERRORS.businessRule('not_a_cashier', 'PINs are for cashiers; managers and owners sign in with their password');
  const others = (await pinHolders(sql, actor.shopId)).filter((h) => h.id !== userId);
  if (await holderOf(others, pin)) throw ERRORS.conflict('Another cashier of this shop has this PIN; choose another');
  const hash = await hashPassword(pin);
  await sql`update users set pin_hash = ${hash} where shop_id = ${actor.shopId} and id = ${userId}`;
}

/** POST /api/terminal/sessions: undefined when no active cashier has this PIN. */
export async function signInByPin(sql: Db, tokens: TokenService, terminal: Principal, pin: string) {
  const [holders, [t]] = await Promise.all([
    pinHolders(sql, terminal.shopId),
    sql<{ token_id: string }[]>`select token_id from terminals where shop_id = ${terminal.shopId} and id = ${terminal.id} and revoked_at is null`,
  ]);
  if (!t) throw ERRORS.unauthenticated();
  const cashier = await holderOf(holders, pin);
  if (!cashier) return undefined;
  const [s] = await sql<{ id: string }[]>`
    insert into terminal_sessions (shop_id, terminal_id, user_id) values (${terminal.shopId}, ${terminal.id}, ${cashier.id})
    returning id`;
  const token = await tokens.signTerminalSession({
    terminalId: terminal.id,
    shopId: terminal.shopId,
    tokenId: t.token_id,
    pinSessionId: s!.id,
    cashierId: cashier.id,
  });
  return { token, cashier: { id: cashier.id, name: cashier.name || cashier.email } };
}

/** DELETE /api/terminal/sessions/current: ends the caller's PIN session (422 when the token is the terminal's own). */
export async function endPinSession(sql: Db, p: Principal): Promise<void> {
  if (!p.pinSessionId) throw ERRORS.businessRule('no_pin_session', 'This token is the terminal\'s own; there is no cashier session to end');
  await sql`update terminal_sessions set ended_at = now() where shop_id = ${p.shopId} and id = ${p.pinSessionId} and ended_at is null`;
}
