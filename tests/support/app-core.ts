import { silentLogger, type Logger } from '../../base/logger';
import { currentPlatform, platformPaths } from '../../base/platform';
import { type AetherCore, createAetherCore } from '../../core/create-core';
import { headlessOpener } from '../../core/launch';
import type { Opener } from '../../kiosk/launch-handover';
import { MemorySecretStore } from '../../provisioning/secret-store';

export interface AppCoreOptions {
  home: string;
  env?: Record<string, string | undefined>;
  defaultApiUrl?: string;
  logger?: Logger;
  /** The launch opener (default: the headless one, which refuses). */
  opener?: Opener;
  captureScreen?: () => Promise<Buffer | null>;
}

/**
 * The core as the desktop composition root builds it (run mode, a development build, the page
 * handing the file list), with headless stand-ins for the two Electron parts (safeStorage, shell.openPath).
 */
export function appCore({
  home,
  env = { HOME: home },
  defaultApiUrl = 'http://127.0.0.1:9',
  logger = silentLogger(),
  opener = headlessOpener,
  captureScreen,
}: AppCoreOptions): Promise<AetherCore> {
  const platform = currentPlatform();
  return createAetherCore({
    mode: 'run',
    platform,
    paths: platformPaths({ platform, home, env }),
    env,
    home,
    packaged: false,
    logger,
    defaultApiUrl,
    appVersion: '0.1.0',
    secretStore: new MemorySecretStore(),
    secretStorage: { encrypted: false, backend: 'memory', note: 'test' },
    opener,
    ...(captureScreen ? { captureScreen } : {}),
    updates: { kind: 'watch-only', reason: 'tests install nothing' },
    startDemo: null,
    demo: false,
  });
}

/** One start of the app's core to its first identity, then a clean stop: what leaves a last good record behind. */
export async function runAppCoreOnce(options: AppCoreOptions): Promise<void> {
  const core = await appCore(options);
  try {
    await core.start();
  } finally {
    await core.close();
  }
}
