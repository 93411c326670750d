import { promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const require = createRequire(import.meta.url);
const afterPack = require('../scripts/after-pack.cjs') as ((context: unknown) => Promise<{ applied: boolean }>) & {
  FUSE_SETTINGS: Record<number, boolean>;
  fuseConfigFor: (platform: string, arch: number) => Record<string, unknown>;
};

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** @electron/fuses does not export its FuseState enum: the wire holds ASCII '0' and '1'. */
const FuseState = { DISABLE: 48, ENABLE: 49 } as const;
const X64 = 1;
const ARM64 = 3;

let dir: string;

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-fuses-'));
});

afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

/** Bytes laid out like a real Electron binary around its fuse wire: version 1, eight fuses, all enabled. */
async function writeBinaryWithWire(file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const wire = Buffer.concat([
    Buffer.from('\x7fELF...code...'),
    Buffer.from(SENTINEL),
    Buffer.from([1, 8]),
    Buffer.from('11111111'),
    Buffer.from('...more code'),
  ]);
  await fs.writeFile(file, wire, { mode: 0o755 });
}

function context(platform: string, arch = X64) {
  return {
    appOutDir: dir,
    electronPlatformName: platform,
    arch,
    packager: { appInfo: { productFilename: 'Aether' }, executableName: 'aether-native' },
  };
}

describe('after-pack fuses', () => {
  it('turns off every way to run the binary as Node or load code from outside the asar, and keeps cookie encryption', () => {
    expect(afterPack.FUSE_SETTINGS).toEqual({
      [FuseV1Options.RunAsNode]: false,
      [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
      [FuseV1Options.EnableNodeCliInspectArguments]: false,
      [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
      [FuseV1Options.OnlyLoadAppFromAsar]: true,
      [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
      [FuseV1Options.EnableCookieEncryption]: true,
    });
    expect(afterPack.fuseConfigFor('darwin', ARM64).resetAdHocDarwinSignature).toBe(true);
    expect(afterPack.fuseConfigFor('linux', ARM64).resetAdHocDarwinSignature).toBe(false);
  });

  it('skips, with a log line naming the file, a stand-in binary that has no fuse wire', async () => {
    await fs.writeFile(path.join(dir, 'aether-native'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await afterPack(context('linux'))).toEqual({ applied: false });
    expect(log.mock.calls.flat().join('\n')).toContain(
      `fuses not applied: ${path.join(dir, 'aether-native')} has no Electron fuse wire`,
    );
    log.mockRestore();
  });

  it('flips the wire of a Linux executable', async () => {
    const binary = path.join(dir, 'aether-native');
    await writeBinaryWithWire(binary);
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await afterPack(context('linux'))).toEqual({ applied: true });
    const wire = await getCurrentFuseWire(binary);
    expect(wire[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
    expect(wire[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(FuseState.ENABLE);
  });

  it('finds the wire of a macOS app in its Electron Framework', async () => {
    const app = path.join(dir, 'Aether.app');
    await writeBinaryWithWire(
      path.join(app, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework'),
    );
    vi.spyOn(console, 'log').mockImplementation(() => undefined);
    expect(await afterPack(context('darwin'))).toEqual({ applied: true });
    expect((await getCurrentFuseWire(app))[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
  });
});
