/**
 * Secrets the service keeps in PostgreSQL (migration 0020): made at random on first use and then
 * shared by every node on the database. Nothing here has a default in the source, so a token or
 * demo login cannot be forged from reading the code.
 */
import { randomBytes } from 'node:crypto';
import type { Sql } from '../../db/client.ts';

export type SecretName = 'jwt' | 'demo_password';

/**
 * The stored secret of that name, created at random (`bytes` of entropy, base64url) when there is
 * none. Concurrent first starts agree: the insert of the loser does nothing and both read the winner's.
 */
export async function storedSecret(sql: Sql, name: SecretName, bytes = 48): Promise<string> {
  const candidate = randomBytes(bytes).toString('base64url');
  await sql`insert into service_secrets (name, value) values (${name}, ${candidate}) on conflict (name) do nothing`;
  const [row] = await sql<{ value: string }[]>`select value from service_secrets where name = ${name}`;
  return row!.value;
}
