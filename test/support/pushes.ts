/**
 * Records what the running server pushes to a shop, as its clients see it: a real Socket.IO
 * client joins the shop's rooms (with the owner's token) and collects the pushes while `fn` runs.
 * Pushes travel after commit and after the HTTP answer, so a test waits for them with
 * `arrived(n)`; to show that something did NOT push, it makes a later change that does and waits
 * for that one (a positive signal, never a sleep).
 */
import type { ShopSession } from './http.ts';
import { connect, until } from './sockets.ts';

export interface SettingsPush {
  shopId: number;
  version: number;
  section: string;
  value: any;
}

export interface ProductPush {
  shopId: number;
  product: Record<string, any>;
}

/** Waits until at least `n` pushes have arrived (10 s at most). */
export type Arrived = (n: number) => Promise<void>;

async function recording<T>(
  shop: ShopSession,
  event: 'settings:updated' | 'product:updated',
  toPush: (m: any) => T,
  fn: (pushes: T[], arrived: Arrived) => Promise<void>,
): Promise<void> {
  const pushes: T[] = [];
  const socket = await connect(shop.token);
  socket.on(event, (m: unknown) => void pushes.push(toPush(m)));
  try {
    await fn(pushes, (n) => until(() => pushes.length >= n, 10_000, `${n} ${event} pushes (have ${pushes.length})`));
  } finally {
    socket.disconnect();
  }
}

/** Records every settings push to `shop` for the duration of `fn`. */
export function recordingSettingsPushes(shop: ShopSession, fn: (pushes: SettingsPush[], arrived: Arrived) => Promise<void>): Promise<void> {
  return recording(shop, 'settings:updated', (m) => ({ shopId: shop.shopId, version: m.version, section: m.section, value: m.value }), fn);
}

/** Records every product push to `shop` for the duration of `fn`. */
export function recordingProductPushes(shop: ShopSession, fn: (pushes: ProductPush[], arrived: Arrived) => Promise<void>): Promise<void> {
  return recording(shop, 'product:updated', (m) => ({ shopId: shop.shopId, product: m.product }), fn);
}
