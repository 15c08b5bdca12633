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
}

export const noopNotifier: ChangeNotifier = {
  productChanged() {},
  settingsChanged() {},
  reportProgress() {},
  reportReady() {},
};
