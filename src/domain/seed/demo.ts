/**
 * The demo shop `npm start` creates on an empty database, so a fresh install has something to
 * log into. Its password is random per database (kept in service_secrets, migration 0020) and
 * printed at every start: nobody can sign in to someone else's demo shop from reading the source.
 */
import type { Sql } from '../../db/client.ts';
import { hashPassword, storedSecret, verifyPassword, type TokenService } from '../auth/index.ts';
import { provisionShop } from '../shops/index.ts';

export const DEMO_EMAIL = 'demo@tajir.local';

/** The demo owner's password of this database (made on first use). */
export const demoPassword = (sql: Sql): Promise<string> => storedSecret(sql, 'demo_password', 12);

/** The demo login to print at start, when this database has the demo user. */
export async function demoLogin(sql: Sql): Promise<{ email: string; password: string } | undefined> {
  const [u] = await sql`select 1 from users where lower(email) = ${DEMO_EMAIL} and active`;
  return u ? { email: DEMO_EMAIL, password: await demoPassword(sql) } : undefined;
}
const DEMO_TERMINAL = 'Demo counter';

/**
 * A token for the demo shop's terminal, to paste into /terminal. Terminal tokens are signed from
 * the terminal's token_id, so the same valid token can be printed at every start.
 */
export async function demoTerminalToken(sql: Sql, tokens: TokenService): Promise<string | undefined> {
  const [t] = await sql<{ id: number; shop_id: number; token_id: string }[]>`
    select t.id, t.shop_id, t.token_id from terminals t join users u on u.shop_id = t.shop_id
    where lower(u.email) = ${DEMO_EMAIL} and t.name = ${DEMO_TERMINAL} and t.revoked_at is null limit 1`;
  return t ? tokens.signTerminal({ terminalId: t.id, shopId: t.shop_id, tokenId: t.token_id }) : undefined;
}

/** Before 0020 every demo shop had this password, printed in the source: a database made then gets its own. */
const OLD_DEMO_PASSWORD = 'demo-pass-123';

async function retireKnownDemoPassword(sql: Sql, password: string): Promise<void> {
  const [u] = await sql<{ id: number; password_hash: string }[]>`select id, password_hash from users where lower(email) = ${DEMO_EMAIL}`;
  if (u && (await verifyPassword(u.password_hash, OLD_DEMO_PASSWORD))) {
    await sql`update users set password_hash = ${await hashPassword(password)} where id = ${u.id}`;
  }
}

/** Creates the demo shop when the database has no shop at all; returns true if it did. */
export async function ensureDemoShop(sql: Sql): Promise<boolean> {
  const password = await demoPassword(sql);
  await retireKnownDemoPassword(sql, password);
  const passwordHash = await hashPassword(password);
  return sql.begin(async (tx) => {
    // Serialise concurrent first starts of several nodes.
    await tx`select pg_advisory_xact_lock(727274002)`;
    const [{ n }] = (await tx`select count(*)::int as n from shops`) as unknown as [{ n: number }];
    if (n > 0) return false;
    const shop = await provisionShop(tx, { name: 'Al Noor Tailoring (demo)' });
    await tx`
      insert into users (shop_id, email, password_hash, name, role)
      values (${shop.id}, ${DEMO_EMAIL}, ${passwordHash}, 'Demo Owner', 'owner')`;
    const types = await tx<{ id: number; name: string }[]>`
      insert into product_types ${tx([
        { shop_id: shop.id, name: 'Kandura' },
        { shop_id: shop.id, name: 'Abaya' },
        { shop_id: shop.id, name: 'Alterations' },
      ])} returning id, name`;
    const typeId = (name: string) => types.find((t) => t.name === name)!.id;
    await tx`
      insert into products ${tx([
        { shop_id: shop.id, type_id: typeId('Kandura'), name: 'Emirati Kandura', rate_fils: 25000 },
        { shop_id: shop.id, type_id: typeId('Kandura'), name: 'Saudi Kandura', rate_fils: 22000 },
        { shop_id: shop.id, type_id: typeId('Abaya'), name: 'Classic Abaya', rate_fils: 35000 },
        { shop_id: shop.id, type_id: typeId('Abaya'), name: 'Embroidered Abaya', rate_fils: 55000 },
        { shop_id: shop.id, type_id: typeId('Alterations'), name: 'Hemming', rate_fils: 2500 },
        { shop_id: shop.id, type_id: typeId('Alterations'), name: 'Sleeve shortening', rate_fils: 3000 },
      ])}`;
    await tx`
      insert into employees ${tx([
        { shop_id: shop.id, name: 'Rashid', phone: '+971501110001', position: 'Master Tailor' },
        { shop_id: shop.id, name: 'Anwar', phone: '+971501110002', position: 'Tailor' },
      ])}`;
    await tx`insert into terminals (shop_id, name) values (${shop.id}, ${DEMO_TERMINAL})`;
    await tx`
      insert into customers ${tx([
        { shop_id: shop.id, name: 'Ahmed Al Mansoori', phone: '+971501234567', city: 'Dubai', area: 'Al Barsha' },
        { shop_id: shop.id, name: 'Fatima Hassan', phone: '+971552345678', city: 'Sharjah', area: 'Al Majaz' },
      ])}`;
    return true;
  });
}
