/**
 * What a new password must be (NIST SP 800-63B's "memorized secret" rules, not composition rules):
 * - at least MIN_PASSWORD_LENGTH characters (the schemas say so too, at most 200);
 * - not one of the ~50,000 most common passwords (the list @zxcvbn-ts/language-common keeps,
 *   compared case-insensitively), nor a common one with a digit or two tacked on.
 * A refused password is 422 `weak_password` naming the field.
 * Passwords are then stored with argon2id (passwords.ts states its parameters).
 */
import { dictionary } from '@zxcvbn-ts/language-common';
import { ERRORS } from '../../errors.ts';

/** Shortest password accepted. Default 8 (NIST's minimum for user-chosen secrets). */
export const MIN_PASSWORD_LENGTH = 8;

// built once at import: a Set of ~50k short strings, about 3 MB
const COMMON = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));

/** Whether the password is on the common list (as is, or with up to two digits or a "!" added). */
export function isCommonPassword(password: string): boolean {
  const p = password.toLowerCase();
  return COMMON.has(p) || COMMON.has(p.replace(/[0-9!]{1,2}$/, ''));
}

/** Throws 422 weak_password when the password breaks the policy above. */
export function checkPasswordPolicy(password: string, field: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw ERRORS.businessRule('weak_password', `The password needs at least ${MIN_PASSWORD_LENGTH} characters`, { field });
  }
  if (isCommonPassword(password)) {
    throw ERRORS.businessRule('weak_password', 'This password is among the most common ones; choose another', { field });
  }
}
