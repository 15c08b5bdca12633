/** Phone numbers are stored in E.164 (+<country code><digits>); local UAE forms are accepted. */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { ERRORS } from '../../errors.ts';

/** "050 123 4567" → "+971501234567". Throws 400 naming `field` when it is not a valid number. */
export function normalizePhone(input: string, field = 'phone', defaultCountry: 'AE' = 'AE'): string {
  const parsed = parsePhoneNumberFromString(input.trim(), defaultCountry);
  if (!parsed?.isValid()) throw ERRORS.validation([{ field, message: 'is not a valid phone number' }]);
  return parsed.number;
}

/**
 * The digits to look for in stored E.164 numbers when a search term may be a phone fragment:
 * "050 123 4567" → "971501234567" (a whole local number is normalised), "0501" → "501" (a
 * local fragment loses its trunk 0, which the stored form does not have), "00971 50" → "97150".
 * Empty when the term has fewer than 3 digits (too short to mean a phone).
 */
export function phoneFragment(term: string, defaultCountry: 'AE' = 'AE'): string {
  const parsed = parsePhoneNumberFromString(term.trim(), defaultCountry);
  const digits = parsed?.isValid() ? parsed.number.slice(1) : term.replace(/\D/g, '').replace(/^00|^0/, '');
  return digits.length >= 3 ? digits : '';
}
