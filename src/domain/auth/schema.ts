import { type Static, Type } from '@sinclair/typebox';
import { Instant, Name, Nullable } from '../common/index.ts';

export const Email = Type.String({ format: 'email', maxLength: 254 });
export const Password = Type.String({ minLength: 8, maxLength: 200 });

export const SignupBody = Type.Object(
  {
    shop_name: Name(200),
    email: Email,
    password: Password,
    name: Type.Optional(Type.String({ maxLength: 200 })),
    currency: Type.Optional(Type.String({ pattern: '^[A-Z]{3}$' })),
    timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
    vat_percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    prices_include_vat: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type SignupBody = Static<typeof SignupBody>;

export const LoginBody = Type.Object({ email: Email, password: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false });
export type LoginBody = Static<typeof LoginBody>;

export const CreateUserBody = Type.Object(
  {
    email: Email,
    password: Password,
    name: Name(200),
    role: Type.Union([Type.Literal('manager'), Type.Literal('cashier')]),
  },
  { additionalProperties: false },
);
export type CreateUserBody = Static<typeof CreateUserBody>;

export const CreateTerminalBody = Type.Object({ name: Name(100) }, { additionalProperties: false });
export type CreateTerminalBody = Static<typeof CreateTerminalBody>;

const Role = Type.Union([Type.Literal('owner'), Type.Literal('manager'), Type.Literal('cashier')]);

export const PatchUserBody = Type.Object(
  { name: Type.Optional(Name(200)), role: Type.Optional(Role), active: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
export type PatchUserBody = Static<typeof PatchUserBody>;

export const SetPasswordBody = Type.Object({ password: Password }, { additionalProperties: false });
export type SetPasswordBody = Static<typeof SetPasswordBody>;

export const ChangePasswordBody = Type.Object(
  { current_password: Type.String({ minLength: 1, maxLength: 200 }), new_password: Password },
  { additionalProperties: false },
);
export type ChangePasswordBody = Static<typeof ChangePasswordBody>;

/** A user as GET /api/users and PATCH /api/users/:id answer it. */
export const UserOut = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  name: Type.String(),
  role: Role,
  active: Type.Boolean(),
  last_login: Nullable(Instant),
  created_at: Instant,
});

/** A user as POST /api/users answers it: the created row (no login yet). */
export const NewUserOut = Type.Omit(UserOut, ['last_login']);

/** A terminal as GET /api/terminals lists it, with its presence from Redis. */
export const TerminalOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  online: Type.Boolean({ description: 'a socket of the terminal is connected now (on any node)' }),
  last_seen: Nullable(Instant),
  settings_version_acked: Nullable(Type.Integer({ description: 'the settings version the terminal last acknowledged' })),
  revoked: Type.Boolean(),
  created_at: Instant,
});

/** A registered terminal: its token is shown this once. */
export const NewTerminalOut = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  token: Type.String({ description: "the terminal's bearer token; shown only in this answer" }),
  created_at: Instant,
});

/** A new token for the caller's session (refresh, own password change). */
export const TokenOut = Type.Object({ token: Type.String({ description: 'A JWT naming the same session, with a new expiry' }) });

/** A logged-in session: the token and who and where it is (signup, login). */
export const SessionOut = Type.Object({
  token: Type.String({ description: 'a bearer token for every /api/ request' }),
  user: Type.Object({ id: Type.Integer(), email: Type.String(), name: Type.Union([Type.String(), Type.Null()]), role: Type.String() }),
  shop: Type.Object({ id: Type.Integer(), name: Type.String(), shop_code: Type.String() }),
});

/** Who the token is (GET /api/auth/me). */
export const MeOut = Type.Object({
  kind: Type.Union([Type.Literal('user'), Type.Literal('terminal')]),
  id: Type.Integer(),
  shop_id: Type.Integer(),
  role: Type.String(),
});
