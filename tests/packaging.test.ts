import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { listPackage } from '@electron/asar';
import { Arch, build, Platform } from 'electron-builder';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createStandInElectronDist, ensureDistBundles } from './fixtures/stand-in-electron';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);
const electronVersion: string = require('electron/package.json').version;

let work: string;
let standInBundles: string[] = [];
let unpacked: string;
let asarEntries: string[];
let hookLog: string[];

async function packLinuxDir(): Promise<void> {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'aether-pack-'));
  const electronDist = path.join(work, 'electron-dist');
  await createStandInElectronDist(electronDist, electronVersion);
  if (existsSync(path.join(root, 'scripts', 'build.mjs'))) {
    const result = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`scripts/build.mjs failed:\n${result.stderr}`);
  } else {
    standInBundles = await ensureDistBundles(root);
  }
  const log = vi.spyOn(console, 'log');
  await build({
    projectDir: root,
    targets: Platform.LINUX.createTarget('dir', Arch.x64),
    publish: 'never',
    // Merged over electron-builder.yml, which electron-builder loads from projectDir itself.
    config: { electronDist, electronVersion, directories: { output: path.join(work, 'out') } },
  });
  hookLog = log.mock.calls.map((args) => args.map(String).join(' ')).filter((line) => line.includes('[after-pack]'));
  log.mockRestore();
  unpacked = path.join(work, 'out', 'linux-unpacked');
  asarEntries = listPackage(path.join(unpacked, 'resources', 'app.asar'), { isPack: false });
}

beforeAll(packLinuxDir, 240_000);

afterAll(async () => {
  for (const file of standInBundles) await fs.rm(file, { force: true });
  if (work) await fs.rm(work, { recursive: true, force: true });
});

describe('electron-builder --dir for Linux against a stand-in Electron', () => {
  it('packs the main and preload bundles into the asar', () => {
    expect(asarEntries).toContain('/dist/main.cjs');
    expect(asarEntries).toContain('/dist/preload.cjs');
    expect(asarEntries).toContain('/package.json');
  });

  it('ships update_helper.sh outside the asar with its run bit, byte for byte', async () => {
    const helper = path.join(unpacked, 'resources', 'update_helper.sh');
    expect((await fs.stat(helper)).mode & 0o111).toBe(0o111);
    expect(await fs.readFile(helper, 'utf8')).toBe(
      await fs.readFile(path.join(root, 'update-helper', 'update_helper.sh'), 'utf8'),
    );
  });

  it('carries only the bundles and package.json: no node_modules, sources, tests or source maps', () => {
    // esbuild bundled every production dependency into main.cjs, so a node_modules here would be dead weight.
    expect(asarEntries.filter((e) => e === '/node_modules' || e.startsWith('/node_modules/'))).toEqual([]);
    expect(asarEntries.filter((e) => !(e === '/dist' || e.startsWith('/dist/') || e === '/package.json'))).toEqual([]);
    expect(asarEntries.filter((e) => e.endsWith('.map') || e.endsWith('.ts'))).toEqual([]);
    expect(asarEntries).toEqual(
      expect.arrayContaining(['/dist/splash/index.html', '/dist/splash/splash.js', '/dist/demo/launcher.js']),
    );
  });

  it('names the executable and runs the fuse hook, which skips a binary without a fuse wire', async () => {
    expect((await fs.stat(path.join(unpacked, 'aether-native'))).mode & 0o100).toBe(0o100);
    expect(hookLog.join('\n')).toMatch(/fuses not applied: .*aether-native has no Electron fuse wire/);
  });
});
