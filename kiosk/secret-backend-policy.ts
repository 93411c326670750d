import type { Platform } from '../base/platform';

/**
 * May the JWT be written to disk with safeStorage? (DESIGN §9) On Linux without a keyring Electron
 * falls back to `basic_text`, a hard-coded key: that is obfuscation, not encryption, so the token then
 * stays in memory only and the app says so in the log and `device.status`.
 */

export interface SecretBackendFacts {
  platform: Platform;
  /** `safeStorage.isEncryptionAvailable()`, asked only after `app.whenReady()`. */
  encryptionAvailable: boolean;
  /** `safeStorage.getSelectedStorageBackend()` on Linux; ignored elsewhere. */
  linuxBackend?: string | undefined;
}

export type SecretBackendDecision =
  { persist: true; backend: string; note: string } | { persist: false; backend: string; note: string };

const WEAK_LINUX_BACKENDS: ReadonlySet<string> = new Set(['basic_text', 'unknown']);

export function decideSecretBackend({
  platform,
  encryptionAvailable,
  linuxBackend,
}: SecretBackendFacts): SecretBackendDecision {
  const backend = platform === 'linux' ? (linuxBackend ?? 'unknown') : platform === 'darwin' ? 'keychain' : 'dpapi';
  if (!encryptionAvailable)
    return {
      persist: false,
      backend,
      note: 'No OS encryption available: the JWT is kept in memory only and fetched again at next start.',
    };
  if (platform === 'linux' && WEAK_LINUX_BACKENDS.has(backend)) {
    return {
      persist: false,
      backend,
      note: `No keyring (safeStorage backend "${backend}" is not real encryption): the JWT is kept in memory only and fetched again at next start.`,
    };
  }
  return { persist: true, backend, note: 'The JWT is stored encrypted by the OS keychain.' };
}
