import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SafeStorageSecretStore, SecretUnreadableError } from '../apps/desktop/secret-store.electron';
import { resetFakeElectron, safeStorage } from './fakes/electron';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJkZXZpY2UifQ.sig';
let dir: string;

beforeEach(async () => {
  resetFakeElectron();
  dir = await mkdtemp(path.join(os.tmpdir(), 'aether-reencrypt-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const file = () => path.join(dir, 'aether.session.bin');
const onDisk = () => readFile(file(), 'utf8');

describe('re-encrypting the JWT', () => {
  it('re-encrypts on read when safeStorage says the key was rotated, and returns the token either way', async () => {
    const store = new SafeStorageSecretStore(dir, safeStorage);
    await store.set('aether.session', JWT);
    const before = await onDisk();
    await expect(safeStorage.decryptStringAsync(Buffer.from(before))).resolves.toEqual({
      shouldReEncrypt: false,
      result: JWT,
    });

    safeStorage.rotateKey();
    await expect(store.get('aether.session')).resolves.toBe(JWT);
    const after = await onDisk();
    expect(after).not.toBe(before);
    expect(after).not.toContain(JWT);
    await expect(safeStorage.decryptStringAsync(Buffer.from(after))).resolves.toEqual({
      shouldReEncrypt: false,
      result: JWT,
    });
  });

  it('reencrypt() upgrades a file written with the old sync API, atomically (no temp file left)', async () => {
    await writeFile(file(), safeStorage.encryptString(JWT));
    safeStorage.rotateKey();
    const store = new SafeStorageSecretStore(dir, safeStorage);
    await expect(store.reencrypt('aether.session')).resolves.toBe(true);
    await expect(safeStorage.decryptStringAsync(Buffer.from(await onDisk()))).resolves.toEqual({
      shouldReEncrypt: false,
      result: JWT,
    });
    expect(await readdir(dir)).toEqual(['aether.session.bin']);
  });

  it('reports nothing to do when no secret is stored', async () => {
    await expect(new SafeStorageSecretStore(dir, safeStorage).reencrypt('aether.session')).resolves.toBe(false);
  });

  it('leaves an unreadable file as it is and says so without the secret in the message', async () => {
    await writeFile(file(), 'not a ciphertext');
    const store = new SafeStorageSecretStore(dir, safeStorage);
    const error = await store.reencrypt('aether.session').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretUnreadableError);
    expect(await onDisk()).toBe('not a ciphertext');
    await expect(store.get('aether.session')).resolves.toBeNull();
  });

  it('without the async API (older Electron) reads and writes with the sync pair and never re-encrypts', async () => {
    const syncOnly = {
      encryptString: (t: string) => safeStorage.encryptString(t),
      decryptString: (b: Buffer) => safeStorage.decryptString(b),
    };
    const store = new SafeStorageSecretStore(dir, syncOnly);
    await store.set('aether.session', JWT);
    const written = await onDisk();
    safeStorage.rotateKey();
    await expect(store.get('aether.session')).resolves.toBe(JWT);
    expect(await onDisk()).toBe(written);
  });
});
