/** Response schemas of the counter's PIN sessions (API.md "The counter"). */
import { Type } from '@sinclair/typebox';

/** POST /api/terminal/sessions: the PIN session's token and who signed in. */
export const PinSessionOut = Type.Object({
  token: Type.String({ description: "a token with the terminal's rights that records the cashier on bills and payments" }),
  cashier: Type.Object({ id: Type.Integer(), name: Type.String({ description: 'the name, or the email when the user has none' }) }),
});
