/** Who is calling: a user of a shop, or one of its POS terminals. Built only from a verified token. */
export type UserRole = 'owner' | 'manager' | 'cashier';
export type PrincipalRole = UserRole | 'terminal';

export interface Principal {
  kind: 'user' | 'terminal';
  /** users.id or terminals.id */
  id: number;
  shopId: number;
  role: PrincipalRole;
  /** The session the token names (sessions.id for users, terminals.token_id for terminals). */
  sessionId?: string;
  /** A cashier signed in by PIN at this terminal (POST /api/terminal/sessions): bills record who took them. */
  cashierId?: number;
  /** terminal_sessions.id of that PIN sign-in */
  pinSessionId?: string;
}

/** Role groups used by route declarations. */
export const ROLES = {
  /** Everyone with a token: users and terminals. */
  any: ['owner', 'manager', 'cashier', 'terminal'],
  /** People (not devices). */
  staff: ['owner', 'manager', 'cashier'],
  /** Who may change catalogue, settings, employees and expenses. */
  managers: ['owner', 'manager'],
} as const satisfies Record<string, readonly PrincipalRole[]>;
