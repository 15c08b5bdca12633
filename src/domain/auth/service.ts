/** Signup, login, users and terminals. */
import { randomUUID } from 'node:crypto';
import type { Db, Sql } from '../../db/client.ts';
import { ERRORS } from '../../errors.ts';
import { provisionShop } from '../shops/index.ts';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords.ts';
import type { Principal, UserRole } from './principal.ts';
import type { CreateTerminalBody, CreateUserBody, LoginBody, SignupBody } from './schema.ts';
import { startSession } from './sessions.ts';
import type { TokenService } from './tokens.ts';

export interface SessionResult {
  token: string;
  user: { id: number; email: string; name: string; role: UserRole };
  shop: { id: number; name: string; shop_code: string };
}

export async function signup(sql: Sql, tokens: TokenService, body: SignupBody): Promise<SessionResult> {
  const passwordHash = await hashPassword(body.password);
  const { user, shop, session } = await sql.begin(async (tx) => {
    const shop = await provisionShop(tx, {
      name: body.shop_name.trim(),
      currency: body.currency,
      timezone: body.timezone,
      vatPercent: body.vat_percent,
      pricesIncludeVat: body.prices_include_vat,
      firstBuildPending: true,
    });
    const [user] = await tx<{ id: number; email: string; name: string; role: UserRole }[]>`
      insert into users (shop_id, email, password_hash, name, role)
      values (${shop.id}, ${body.email}, ${passwordHash}, ${body.name ?? ''}, 'owner')
      returning id, email, name, role`;
    const session = (await startSession(tx, shop.id, user!.id, tokens.userTtlSeconds))!;
    return { user: user!, shop: { id: shop.id, name: body.shop_name.trim(), shop_code: shop.shop_code }, session };
  });
  const token = await tokens.signUser({ userId: user.id, shopId: shop.id, role: 'owner', sessionId: session });
  return { token, user, shop };
}

/** Returns the session or throws invalid_credentials; never says which of email or password was wrong. */
export async function login(sql: Db, tokens: TokenService, body: LoginBody): Promise<SessionResult | undefined> {
  const [row] = await sql<
    { id: number; email: string; name: string; role: UserRole; password_hash: string; shop_id: number; shop_name: string; shop_code: string }[]
  >`
    select u.id, u.email, u.name, u.role, u.password_hash, s.id as shop_id, s.name as shop_name, s.shop_code
    from users u join shops s on s.id = u.shop_id
    where lower(u.email) = lower(${body.email}) and u.active`;
  const ok = await verifyPassword(row?.password_hash ?? DUMMY_HASH, body.password);
  if (!row || !ok) return undefined;
  // the password may have changed (or the user been deactivated) while it was being checked
  const sessionId = await startSession(sql, row.shop_id, row.id, tokens.userTtlSeconds, row.password_hash);
  if (!sessionId) return undefined;
  const token = await tokens.signUser({ userId: row.id, shopId: row.shop_id, role: row.role, sessionId });
  return {
    token,
    user: { id: row.id, email: row.email, name: row.name, role: row.role },
    shop: { id: row.shop_id, name: row.shop_name, shop_code: row.shop_code },
  };
}

export async function createUser(sql: Db, p: Principal, body: CreateUserBody) {
  const passwordHash = await hashPassword(body.password);
  const [user] = await sql`
    insert into users (shop_id, email, password_hash, name, role)
    values (${p.shopId}, ${body.email}, ${passwordHash}, ${body.name}, ${body.role})
    returning id, email, name, role, active, created_at`;
  return user;
}


export async function createTerminal(sql: Db, tokens: TokenService, p: Principal, body: CreateTerminalBody) {
  const tokenId = randomUUID();
  const [row] = await sql<{ id: number; name: string; created_at: Date }[]>`
    insert into terminals (shop_id, name, token_id, created_by)
    values (${p.shopId}, ${body.name}, ${tokenId}, ${p.kind === 'user' ? p.id : null})
    returning id, name, created_at`;
  const token = await tokens.signTerminal({ terminalId: row!.id, shopId: p.shopId, tokenId });
  return { id: row!.id, name: row!.name, token, created_at: row!.created_at };
}

/**
 * Terminals of the shop. `online` is filled by the realtime layer (presence); here it is what the
 * database knows: last_seen and the settings version last acknowledged.
 */
export async function listTerminals(sql: Db, p: Principal) {
  return sql<{ id: number; name: string; last_seen: Date | null; settings_version_acked: number | null; revoked: boolean }[]>`
    select id, name, last_seen, settings_version_acked, revoked_at is not null as revoked, created_at
    from terminals where shop_id = ${p.shopId} order by id`;
}

/** Revokes the terminal; the caller then announces the end of its session (sessions.ts announceEnded). */
export async function revokeTerminal(sql: Db, p: Principal, id: number): Promise<void> {
  const rows = await sql`
    update terminals set revoked_at = now() where shop_id = ${p.shopId} and id = ${id} and revoked_at is null returning id`;
  if (rows.length === 0) throw ERRORS.notFound('Terminal');
}
