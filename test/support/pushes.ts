/** Records what the running server pushes, without a socket: the notifier swapped for the duration of a test body. */
import { type ChangeNotifier, noopNotifier } from '../../src/domain/common/notifier.ts';
import { env } from './env.ts';

export interface SettingsPush {
  shopId: number;
  version: number;
  section: string;
  value: any;
}

/** Installs a notifier that records every settings push for the duration of `fn`. */
export async function recordingSettingsPushes(fn: (pushes: SettingsPush[]) => Promise<void>): Promise<void> {
  const pushes: SettingsPush[] = [];
  const recorder: ChangeNotifier = {
    ...noopNotifier,
    settingsChanged: (shopId, version, section, value) => {
      pushes.push({ shopId, version, section, value });
    },
  };
  const deps = env().deps as { notifier: ChangeNotifier };
  const saved = deps.notifier;
  deps.notifier = recorder;
  try {
    await fn(pushes);
  } finally {
    deps.notifier = saved;
  }
}
