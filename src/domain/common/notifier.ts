/**
 * How the domain tells the outside world that something changed which connected clients must
 * see at once (a price, a setting). The realtime layer implements it with Socket.IO; the domain
 * only knows this interface, so it never imports Socket.IO. Calls happen after commit.
 */
export interface ChangeNotifier {
  productChanged(shopId: number, product: Record<string, unknown>): void;
  settingsChanged(shopId: number, version: number, section: string, value: unknown): void;
}

export const noopNotifier: ChangeNotifier = {
  productChanged() {},
  settingsChanged() {},
};
