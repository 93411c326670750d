import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SafeStorage } from 'electron';
import type { Logger } from '../../base/logger';
import { writeFileAtomic } from '../../base/atomic-file';
import { MemorySecretStore, type SecretStore } from '../../provisioning/secret-store';
import type { SecretStorageNote } from '../../core/device-service';
import type { Platform } from '../../base/platform';
import { decideSecretBackend } from '../../kiosk/secret-backend-policy';

/** What the store needs of safeStorage; the async pair (Electron ≥ 36) is used when present. */
export type SecretCipher = Pick<SafeStorage, 'encryptString' | 'decryptString'> &
  Partial<Pick<SafeStorage, 'encryptStringAsync' | 'decryptStringAsync'>>;

export class SecretUnreadableError extends Error {
  override readonly name = 'SecretUnreadableError';
  constructor(readonly secretName: string) {
    super(
      `The stored secret "${secretName}" cannot be decrypted with this machine's key; it is left as is and a new one will be fetched.`,
    );
  }
}

/**
 * Secrets (the JWT) encrypted with Electron's safeStorage, one file per name under `dir`.
 * safeStorage only works after app.whenReady(), so build this in the ready phase.
 * When safeStorage says a ciphertext was made with a rotated or weaker key (`shouldReEncrypt`),
 * reading it re-encrypts it with the current key at once (docs/SECURITY.md).
 */
export class SafeStorageSecretStore implements SecretStore {
  constructor(
    private readonly dir: string,
    private readonly safeStorage: SecretCipher,
  ) {}

  #file(name: string): string {
    return path.join(this.dir, `${encodeURIComponent(name)}.bin`);
  }

  async #decrypt(encrypted: Buffer): Promise<{ value: string; stale: boolean }> {
    if (this.safeStorage.decryptStringAsync) {
      const { result, shouldReEncrypt } = await this.safeStorage.decryptStringAsync(encrypted);
      return { value: result, stale: shouldReEncrypt };
    }
    return { value: this.safeStorage.decryptString(encrypted), stale: false };
  }

  async #encrypt(value: string): Promise<Buffer> {
    return this.safeStorage.encryptStringAsync
      ? this.safeStorage.encryptStringAsync(value)
      : this.safeStorage.encryptString(value);
  }

  async #read(name: string): Promise<Buffer | null> {
    try {
      return await readFile(this.#file(name));
    } catch {
      return null;
    }
  }

  async get(name: string): Promise<string | null> {
    const encrypted = await this.#read(name);
    if (!encrypted) return null;
    let decrypted: { value: string; stale: boolean };
    try {
      decrypted = await this.#decrypt(encrypted);
    } catch {
      // Unreadable (another machine's keychain, corrupt): absent, so a new JWT is fetched.
      return null;
    }
    // A failed re-encryption leaves the old, still readable file: the value is returned either way.
    if (decrypted.stale) await this.set(name, decrypted.value).catch(() => undefined);
    return decrypted.value;
  }

  async set(name: string, value: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.#file(name), await this.#encrypt(value), 0o600);
  }

  /**
   * Decrypts with the current key and writes the secret again, atomically: the file holds the old
   * or the new ciphertext, never neither. Resolves false when nothing is stored under `name`.
   */
  async reencrypt(name: string): Promise<boolean> {
    const encrypted = await this.#read(name);
    if (!encrypted) return false;
    let value: string;
    try {
      value = (await this.#decrypt(encrypted)).value;
    } catch {
      throw new SecretUnreadableError(name);
    }
    await this.set(name, value);
    return true;
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
export function chooseSecretStore(
  dir: string,
  safeStorage: SecretCipher & Pick<SafeStorage, 'isEncryptionAvailable' | 'getSelectedStorageBackend'>,
  logger: Logger,
  platform: Platform = 'linux',
): SecretStoreChoice {
  // getSelectedStorageBackend is Linux-only; basic_text there is a hard-coded key, refused (kiosk/secret-backend-policy.ts).
  const linuxBackend =
    platform === 'linux' && typeof safeStorage.getSelectedStorageBackend === 'function'
      ? safeStorage.getSelectedStorageBackend()
      : undefined;
  const decision = decideSecretBackend({
    platform,
    encryptionAvailable: safeStorage.isEncryptionAvailable(),
    linuxBackend,
  });
  if (decision.persist) {
    return {
      store: new SafeStorageSecretStore(dir, safeStorage),
      note: { encrypted: true, backend: decision.backend, note: decision.note },
    };
  }
  logger.warn({ backend: decision.backend }, decision.note);
  return { store: new MemorySecretStore(), note: { encrypted: false, backend: decision.backend, note: decision.note } };
}
