import * as electron from 'electron';
import { readdirSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { chooseSecretStore } from '../apps/desktop/secret-store.electron';
import { decideSecretBackend } from '../kiosk/secret-backend-policy';
import { useCleanups } from './support/cleanups';

const fake = electron as unknown as typeof import('./fakes/electron');
beforeEach(() => fake.resetFakeElectron());
const cleanups = useCleanups();

describe('secret backend policy', () => {
  it.each([
    [{ platform: 'linux', encryptionAvailable: true, linuxBackend: 'gnome_libsecret' }, true],
    [{ platform: 'linux', encryptionAvailable: true, linuxBackend: 'kwallet6' }, true],
    [{ platform: 'linux', encryptionAvailable: true, linuxBackend: 'basic_text' }, false],
    [{ platform: 'linux', encryptionAvailable: true, linuxBackend: 'unknown' }, false],
    [{ platform: 'linux', encryptionAvailable: true }, false],
    [{ platform: 'linux', encryptionAvailable: false, linuxBackend: 'gnome_libsecret' }, false],
    [{ platform: 'darwin', encryptionAvailable: true, linuxBackend: 'basic_text' }, true],
    [{ platform: 'darwin', encryptionAvailable: false }, false],
    [{ platform: 'win32', encryptionAvailable: true }, true],
  ] as const)('%j → persist %s', (facts, persist) => {
    const decision = decideSecretBackend(facts);
    expect(decision.persist).toBe(persist);
    if (!persist) expect(decision.note).toMatch(/memory only/);
  });

  it('keeps the JWT in memory only with the basic_text backend, and writes nothing to disk', async () => {
    const dir = await cleanups.tempDir('secrets');
    fake.safeStorage.backend = 'basic_text';
    const choice = chooseSecretStore(dir, electron.safeStorage, silentLogger(), 'linux');
    expect(choice.note).toMatchObject({ encrypted: false, backend: 'basic_text' });
    await choice.store.set('jwt', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl');
    expect(readdirSync(dir)).toEqual([]);
  });
});
