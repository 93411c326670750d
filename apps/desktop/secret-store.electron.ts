import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import type { Logger } from '../common/logger';
import { writeFileAtomic } from '../../provisioning/atomic-file';
import { MemorySecretStore, type SecretStore } from '../../provisioning/secret-store';
import type { SecretStorageNote } from '../../router/device';
import type { Platform } from '../common/platform';
import { decideSecretBackend } from '../../kiosk/secret-backend-policy';

/**
 * Secrets (the JWT) encrypted with Electron's safeStorage, one file per name under `dir`.
 * safeStorage only works after app.whenReady(), so build this in the ready phase.
 */
export class SafeStorageSecretStore implements SecretStore {
  constructor(private readonly dir: string, private readonly safeStorage: Pick<SafeStorage, 'encryptString' | 'decryptString'>) {}

  #file(name: string): string {
    return path.join(this.dir, `${encodeURIComponent(name)}.bin`);
  }

  async get(name: string): Promise<string | null> {
    try {
      return this.safeStorage.decryptString(await readFile(this.#file(name)));
    } catch {
      // Missing, or unreadable (another machine's keychain, corrupt): absent, so a new JWT is fetched.
      return null;
    }
  }

  async set(name: string, value: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.#file(name), this.safeStorage.encryptString(value), 0o600);
  }

  async delete(name: string): Promise<void> {
    await rm(this.#file(name), { force: true });
  }
}

export interface SecretStoreChoice {
  store: SecretStore;
  note: SecretStorageNote;
}

/** safeStorage when the OS can encrypt; otherwise memory only (the JWT is fetched again next start), logged. */
export function chooseSecretStore(dir: string, safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>, logger: Logger, platform: Platform = 'linux'): SecretStoreChoice {
  // getSelectedStorageBackend is Linux-only; basic_text there is a hard-coded key, refused (kiosk/secret-backend-policy.ts).
  const linuxBackend = platform === 'linux' && typeof safeStorage.getSelectedStorageBackend === 'function' ? safeStorage.getSelectedStorageBackend() : undefined;
  const decision = decideSecretBackend({ platform, encryptionAvailable: safeStorage.isEncryptionAvailable(), linuxBackend });
  if (decision.persist) {
    return { store: new SafeStorageSecretStore(dir, safeStorage), note: { encrypted: true, backend: decision.backend, note: decision.note } };
  }
  logger.warn({ backend: decision.backend }, decision.note);
  return { store: new MemorySecretStore(), note: { encrypted: false, backend: decision.backend, note: decision.note } };
}
