/** The auth section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { createAuthenticator } from './authenticate.ts';
export type { Authenticator, EndedReason } from './authenticate.ts';
export { checkPasswordPolicy, isCommonPassword, MIN_PASSWORD_LENGTH } from './password-policy.ts';
export { ARGON2_OPTIONS, hashPassword, verifyPassword } from './passwords.ts';
export { ROLES } from './principal.ts';
export type { Principal, PrincipalRole, UserRole } from './principal.ts';
export {
  ChangePasswordBody,
  CreateTerminalBody,
  CreateUserBody,
  LoginBody,
  MeOut,
  NewTerminalOut,
  NewUserOut,
  PatchUserBody,
  SessionOut,
  SetPasswordBody,
  SignupBody,
  TerminalOut,
  TokenOut,
  UserOut,
} from './schema.ts';
export { storedSecret } from './secrets.ts';
export { watchSessionChanges } from './session-changes.ts';
export type { SessionChanges } from './session-changes.ts';
export { announceEnded, endSessions, extendSession, purgeExpiredSessions, startSession } from './sessions.ts';
export type { EndReason } from './sessions.ts';
export { createTerminal, createUser, listTerminals, login, revokeTerminal, signup } from './service.ts';
export { createTokenService, TokenError } from './tokens.ts';
export type { TokenService, VerifiedToken } from './tokens.ts';
export { changeOwnPassword, emailOf, listUsers, mayManage, patchUser, resetPassword } from './users.ts';
export type { UserView } from './users.ts';
