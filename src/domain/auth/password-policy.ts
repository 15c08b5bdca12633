/**
 * What a new password must be (NIST SP 800-63B's "memorized secret" rules, not composition rules):
 * - at least MIN_PASSWORD_LENGTH characters (the schemas say so too, at most 200);
 * - not one of the ~50,000 most common passwords (the list @zxcvbn-ts/language-common keeps,
 *   compared case-insensitively), nor a common one with a digit or two tacked on.
 * A refused password is 422 `weak_password` naming the field.
 * Passwords are then stored with argon2id (passwords.ts states its parameters).
 */
import { ERRORS } from '../../errors.ts';

/** Shortest password accepted. Default 8 (NIST's minimum for user-chosen secrets). */
export const MIN_PASSWORD_LENGTH = 8;

/**
 * The list as a Set of ~50k short strings (about 3 MB), built at the first password checked, not
 * at start: importing the package and building the Set take some 35 ms, which every process
 * (and every restart) paid although only signups and password changes need it. One promise,
 * shared by the checks that arrive while it loads.
 */
let common: Promise<Set<string>> | undefined;
function commonPasswords(): Promise<Set<string>> {
  common ??= import('@zxcvbn-ts/language-common').then(({ dictionary }) => new Set(dictionary['passwords-common'].map((p) => p.toLowerCase())));
  return common;
}

/** Whether the password is on the common list (as is, or with up to two digits or a "!" added). */
export async function isCommonPassword(password: string): Promise<boolean> {
  const list = await commonPasswords();
  const p = password.toLowerCase();
  return list.has(p) || list.has(p.replace(/[0-9!]{1,2}$/, ''));
}

/** Rejects with 422 weak_password when the password breaks the policy above. */
export async function checkPasswordPolicy(password: string, field: string): Promise<void> {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw ERRORS.businessRule('weak_password', `The password needs at least ${MIN_PASSWORD_LENGTH} characters`, { field });
  }
  if (await isCommonPassword(password)) {
    throw ERRORS.businessRule('weak_password', 'This password is among the most common ones; choose another', { field });
  }
}
