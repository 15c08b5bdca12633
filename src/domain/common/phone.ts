/** Phone numbers are stored in E.164 (+<country code><digits>); local UAE forms are accepted. */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { ERRORS } from '../../errors.ts';

/** "050 123 4567" → "+971501234567". Throws 400 naming `field` when it is not a valid number. */
export function normalizePhone(input: string, field = 'phone', defaultCountry: 'AE' = 'AE'): string {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  if (!parsed?.isValid()) throw ERRORS.validation([{ field, message: 'is not a valid phone number' }]);
  return parsed.number;
}
