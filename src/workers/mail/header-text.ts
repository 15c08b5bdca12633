/**
 * Text that goes into a mail header (a subject, a display name). Nodemailer encodes non-ASCII,
 * but a shop name is the client's text: CR, LF and every other control character (and the
 * Unicode line separators) become a space, so no name can end a header line and start another
 * (a Bcc:, a second body). Cut to `max` characters.
 */
export function headerText(s: string, max = 200): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').trim().slice(0, max);
}
