/** Cashier PINs and PIN sessions at a terminal (API.md "The counter"). */
import { Type } from '@sinclair/typebox';
import { ROLES } from '../../domain/auth/index.ts';
import { IdParams } from '../../domain/common/index.ts';
import { endPinSession, PinSessionOut, setPin, signInByPin } from '../../domain/terminals/index.ts';
import { ERRORS } from '../../errors.ts';
import { route } from '../http/route.ts';
import { pinLimit } from '../pin-limit.ts';

const tag = 'terminals';
const PinBody = Type.Object({ pin: Type.String({ pattern: '^[0-9]{4,6}$' }) }, { additionalProperties: false });

export const terminalSessionRoutes = [
  route({
    method: 'put',
    path: '/api/users/:id/pin',
    summary: "Set a cashier's 4–6 digit PIN for signing in at terminals (stored hashed; unique among the shop's cashiers)",
    tag,
    auth: ROLES.managers,
    params: IdParams,
    body: PinBody,
    status: 204,
    handler: async ({ params, body, principal, deps }) => {
      await setPin(deps.sql, principal, params.id, body.pin);
    },
  }),
  route({
    method: 'post',
    path: '/api/terminal/sessions',
    summary: "A cashier signs in at this terminal by PIN → a token with the terminal's rights that records the cashier on bills (5 wrong PINs lock it for 5 minutes)",
    tag,
    auth: ['terminal'],
    body: PinBody,
    status: 201,
    response: PinSessionOut,
    handler: async ({ body, principal, deps }) => {
      if (principal.pinSessionId) throw ERRORS.businessRule('pin_session_open', 'A cashier is signed in already; sign out first');
      const limit = pinLimit(deps.redis, deps.keys);
      await limit.check(principal.id);
      const session = await signInByPin(deps.sql, deps.tokens, principal, body.pin);
      if (!session) {
        await limit.failed(principal.id);
        throw ERRORS.businessRule('wrong_pin', 'No cashier of this shop has this PIN');
      }
      await limit.succeeded(principal.id);
      return session;
    },
  }),
  route({
    method: 'delete',
    path: '/api/terminal/sessions/current',
    summary: 'The signed-in cashier signs out; the PIN session token stops working',
    tag,
    auth: ['terminal'],
    status: 204,
    handler: async ({ principal, deps }) => {
      await endPinSession(deps.sql, principal);
      deps.auth.forget('terminal', principal.id);
    },
  }),
];
