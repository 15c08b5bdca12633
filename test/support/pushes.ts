/** Records what the running server pushes, without a socket: the notifier swapped for the duration of a test body. */
import { type ChangeNotifier, noopNotifier } from '../../src/domain/common/notifier.ts';
import { env } from './env.ts';

export interface SettingsPush {
  shopId: number;
  version: number;
  section: string;
  value: any;
}

export interface ProductPush {
  shopId: number;
  product: Record<string, unknown>;
}

/** Runs `fn` with the running server's notifier replaced by `recorder`, then puts the original back. */
async function withNotifier(recorder: Partial<ChangeNotifier>, fn: () => Promise<void>): Promise<void> {
  const deps = env().deps as { notifier: ChangeNotifier };
  const saved = deps.notifier;
  deps.notifier = { ...noopNotifier, ...recorder };
  try {
    await fn();
  } finally {
    deps.notifier = saved;
  }
}

/** Records every settings push for the duration of `fn`. */
export async function recordingSettingsPushes(fn: (pushes: SettingsPush[]) => Promise<void>): Promise<void> {
  const pushes: SettingsPush[] = [];
  await withNotifier({ settingsChanged: (shopId, version, section, value) => void pushes.push({ shopId, version, section, value }) }, () => fn(pushes));
}

/** Records every product push for the duration of `fn`. */
export async function recordingProductPushes(fn: (pushes: ProductPush[]) => Promise<void>): Promise<void> {
  const pushes: ProductPush[] = [];
  await withNotifier({ productChanged: (shopId, product) => void pushes.push({ shopId, product }) }, () => fn(pushes));
}
