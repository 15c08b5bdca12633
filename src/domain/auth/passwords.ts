/** argon2id (the @node-rs/argon2 defaults: m=19 MiB, t=2, p=1, OWASP's recommended floor). */
import { hash, verify } from '@node-rs/argon2';

export const hashPassword = (password: string): Promise<string> => hash(password);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Verified against when the email is unknown, so a miss costs as long as a wrong password. */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$4pIln3vHks+H2+OK1mdZtg$o9sT/GYX43gDafsMJWTI6tAp+U7q2BR/HHP3YIlLHN4';
