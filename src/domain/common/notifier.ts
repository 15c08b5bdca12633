/**
 * How the domain tells the outside world that something changed which connected clients must
 * see at once (a price, a setting). The realtime layer implements it with Socket.IO; the domain
 * only knows this interface, so it never imports Socket.IO. Calls happen after commit.
 */
export interface ChangeNotifier {
  productChanged(shopId: number, product: Record<string, unknown>): void;
  settingsChanged(shopId: number, version: number, section: string, value: unknown): void;
  /** A report's progress (0-100), to the user who asked for it. */
  reportProgress(shopId: number, userId: number | null, reportId: string, progress: number): void;
  reportReady(shopId: number, userId: number | null, reportId: string, downloadUrl: string): void;
  /**
   * Sessions ended: their sockets, on every node, get `session:ended {reason}` and are
   * disconnected. `sessions` are user session ids; `terminal` a terminal id.
   */
  sessionsEnded(shopId: number, ended: EndedSessions, reason: string): void;
}

/** Whose sockets a session end closes. */
export type EndedSessions = { sessions: readonly string[] } | { terminal: number };

export const noopNotifier: ChangeNotifier = {
  productChanged() {},
  settingsChanged() {},
  reportProgress() {},
  reportReady() {},
  sessionsEnded() {},
};
