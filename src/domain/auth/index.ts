/** The auth section's surface: what other sections, routes, realtime and workers may use (STYLE.md §15). */
export { createAuthenticator } from './authenticate.ts';
export type { Authenticator } from './authenticate.ts';
export { hashPassword } from './passwords.ts';
export { ROLES } from './principal.ts';
export type { Principal, PrincipalRole } from './principal.ts';
export { CreateTerminalBody, CreateUserBody, LoginBody, MeOut, SessionOut, SignupBody } from './schema.ts';
export { createTerminal, createUser, listTerminals, listUsers, login, revokeTerminal, signup } from './service.ts';
export { createTokenService } from './tokens.ts';
export type { TokenService } from './tokens.ts';
