/**
 * Passwords are stored as argon2id with m = 19456 KiB (19 MiB), t = 2 passes, p = 1 lane, a 16-byte
 * random salt and a 32-byte tag: OWASP's recommended floor for argon2id (Password Storage Cheat
 * Sheet), about 30 ms a hash on one core here. The parameters are in each stored hash, so raising
 * them later leaves old hashes verifiable.
 */
import { hash, type Options, verify } from '@node-rs/argon2';

/** Algorithm.Argon2id of @node-rs/argon2 (a const enum there, so it is spelled out). */
const ARGON2ID = 2;
export const ARGON2_OPTIONS: Options = { algorithm: ARGON2ID, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 };

export const hashPassword = (password: string): Promise<string> => hash(password, ARGON2_OPTIONS);

export async function verifyPassword(stored: string, password: string): Promise<boolean> {
  try {
    return await verify(stored, password);
  } catch {
    return false;
  }
}

/** Verified against when the email is unknown, so a miss costs as long as a wrong password. */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$4pIln3vHks+H2+OK1mdZtg$o9sT/GYX43gDafsMJWTI6tAp+U7q2BR/HHP3YIlLHN4';
