import { execFileSync } from 'node:child_process';
import { mkdir, readFile, readlink, readdir, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { type CommandResult, type CommandRunner, execFileRunner } from '../base/command-runner';
import { checkPayload, PayloadHashCache } from '../update-helper/payload-check';
import { StagedManifest, stagedManifestPath, stagingRoot } from '../contracts/staged-manifest';
import { designatedRequirement, stageBuild, StagingError } from '../update-helper/staging';
import type { VersionFile } from '../contracts/version';
import { useCleanups } from './support/cleanups';
import { sha256 } from './version-watcher-fixtures';

const cleanups = useCleanups();

async function tempDir(): Promise<string> {
  const dir = await cleanups.tempDir('stage');
  return dir;
}

function release(file: string, data: Buffer, version = '1.5.0'): VersionFile {
  return { version, file, sha256: sha256(data), size: data.length };
}

const never: CommandRunner = async (file) => {
  throw new Error(`no command expected, got ${file}`);
};

describe('staging on Linux', () => {
  it('stages an AppImage as a verified, executable copy next to the installed one and writes the manifest last', async () => {
    const root = await tempDir();
    const installPath = path.join(root, 'apps', 'Aether.AppImage');
    await mkdir(path.dirname(installPath));
    await writeFile(installPath, 'old build');
    const payload = Buffer.from('#!/bin/sh\necho new build\n');
    const payloadPath = path.join(root, 'Aether-1.5.0.AppImage');
    await writeFile(payloadPath, payload);
    const manifest = await stageBuild(
      { platform: 'linux', installPath, appVersion: '1.4.0', run: never, logger: silentLogger() },
      { release: release('Aether-1.5.0.AppImage', payload), payloadPath },
    );
    expect(manifest.staged_path).toBe(path.join(stagingRoot(installPath), '1.5.0', 'Aether.AppImage'));
    expect(await readFile(manifest.staged_path, 'utf8')).toBe(payload.toString());
    expect((await stat(manifest.staged_path)).mode & 0o777).toBe(0o755);
    const onDisk = StagedManifest.parse(JSON.parse(await readFile(stagedManifestPath(installPath), 'utf8')));
    expect(onDisk).toEqual(manifest);
    expect(onDisk).toMatchObject({ kind: 'appimage', from_version: '1.4.0', install_path: installPath });
    expect((await readdir(stagingRoot(installPath))).sort()).toEqual(['1.5.0', 'staged.json']);
  });

  it('keeps only the newest staged build and clears unpack folders left by a crash', async () => {
    const root = await tempDir();
    const installPath = path.join(root, 'Aether.AppImage');
    await writeFile(installPath, 'old');
    const deps = { platform: 'linux' as const, installPath, appVersion: '1.4.0', run: never, logger: silentLogger() };
    const first = Buffer.from('1.5.0 build');
    await writeFile(path.join(root, 'a.AppImage'), first);
    await stageBuild(deps, {
      release: release('a.AppImage', first, '1.5.0'),
      payloadPath: path.join(root, 'a.AppImage'),
    });
    await mkdir(path.join(stagingRoot(installPath), '.unpack-1.6.0-crashed'));
    const second = Buffer.from('1.6.0 build');
    await writeFile(path.join(root, 'b.AppImage'), second);
    const manifest = await stageBuild(deps, {
      release: release('b.AppImage', second, '1.6.0'),
      payloadPath: path.join(root, 'b.AppImage'),
    });
    expect((await readdir(stagingRoot(installPath))).sort()).toEqual(['1.6.0', 'staged.json']);
    expect(await readFile(manifest.staged_path, 'utf8')).toBe('1.6.0 build');
  });

  it('unpacks a .tar.gz with real tar, keeping symlinks and permissions', async () => {
    const root = await tempDir();
    const tree = path.join(root, 'build', 'aether');
    await mkdir(path.join(tree, 'lib'), { recursive: true });
    await writeFile(path.join(tree, 'aether'), '#!/bin/sh\n', { mode: 0o755 });
    await writeFile(path.join(tree, 'lib', 'libaether.so.1'), 'lib');
    await symlink('libaether.so.1', path.join(tree, 'lib', 'libaether.so'));
    const archive = path.join(root, 'Aether-1.5.0-linux.tar.gz');
    execFileSync('tar', ['-czf', archive, '-C', path.join(root, 'build'), 'aether']);
    const installPath = path.join(root, 'opt', 'aether');
    await mkdir(installPath, { recursive: true });
    const data = await readFile(archive);
    const manifest = await stageBuild(
      {
        platform: 'linux',
        installPath,
        appVersion: '1.4.0',
        run: execFileRunner({ timeoutMs: 60_000 }),
        logger: silentLogger(),
      },
      { release: release('Aether-1.5.0-linux.tar.gz', data), payloadPath: archive },
    );
    expect(manifest.kind).toBe('directory');
    expect(await readlink(path.join(manifest.staged_path, 'lib', 'libaether.so'))).toBe('libaether.so.1');
    expect((await stat(path.join(manifest.staged_path, 'aether'))).mode & 0o777).toBe(0o755);
  });

  it('refuses a macOS zip on Linux and Windows entirely, leaving nothing staged', async () => {
    const root = await tempDir();
    const installPath = path.join(root, 'Aether.AppImage');
    const deps = { installPath, appVersion: '1.4.0', run: never, logger: silentLogger() };
    const build = {
      release: release('Aether-1.5.0-mac.zip', Buffer.from('zip')),
      payloadPath: path.join(root, 'x.zip'),
    };
    await expect(stageBuild({ ...deps, platform: 'linux' }, build)).rejects.toThrow(/not a build for this computer/);
    await expect(stageBuild({ ...deps, platform: 'win32' }, build)).rejects.toThrow(/not supported on Windows/);
    expect(await readdir(root)).toEqual([]);
  });
});

/** Simulates the macOS tools: records every command and answers like the real ones would. */
function fakeMacTools(overrides: Partial<Record<string, (args: readonly string[]) => CommandResult>> = {}) {
  const calls: string[][] = [];
  const ok = (stdout = '', stderr = ''): CommandResult => ({ exitCode: 0, stdout, stderr });
  const run: CommandRunner = async (file, args) => {
    calls.push([file, ...args]);
    const key = `${file} ${args[0]} ${args[1]}`;
    const override = overrides[key] ?? overrides[file];
    if (override) return override(args);
    if (file === 'ditto') {
      const into = args[3] as string;
      await mkdir(path.join(into, 'Aether.app', 'Contents', 'MacOS'), { recursive: true });
      await writeFile(path.join(into, 'Aether.app', 'Contents', 'MacOS', 'Aether'), 'binary');
      return ok();
    }
    if (file === 'codesign' && args[0] === '-d')
      return ok(
        '',
        'Executable=/Applications/Aether.app/Contents/MacOS/Aether\ndesignated => identifier "com.ae.aether" and anchor apple generic and certificate leaf[subject.OU] = "TEAM123456"\n',
      );
    if (file === 'xattr') return { exitCode: 1, stdout: '', stderr: 'xattr: No such xattr: com.apple.quarantine' };
    return ok();
  };
  return { calls, run };
}

describe('staging on macOS (tools simulated)', () => {
  async function macSetup() {
    const root = await tempDir();
    const installPath = path.join(root, 'Applications', 'Aether.app');
    await mkdir(installPath, { recursive: true });
    const zip = Buffer.from('PK zip bytes');
    const payloadPath = path.join(root, 'Aether-1.5.0-mac.zip');
    await writeFile(payloadPath, zip);
    return { installPath, payloadPath, build: { release: release('Aether-1.5.0-mac.zip', zip), payloadPath } };
  }

  it('unpacks with ditto, verifies the signature against the installed designated requirement, clears quarantine', async () => {
    const { installPath, build } = await macSetup();
    const tools = fakeMacTools();
    const manifest = await stageBuild(
      { platform: 'darwin', installPath, appVersion: '1.4.0', run: tools.run, logger: silentLogger() },
      build,
    );
    const unpackDir = tools.calls[0]?.[4] as string;
    const app = path.join(unpackDir, 'Aether.app');
    expect(tools.calls).toEqual([
      // The verified private copy is unpacked, never the share's file, which a peer can swap after the check.
      ['ditto', '-x', '-k', path.join(path.dirname(unpackDir), 'payload-Aether-1.5.0-mac.zip'), unpackDir],
      ['codesign', '--verify', '--deep', '--strict', app],
      ['codesign', '-d', '-r-', installPath],
      [
        'codesign',
        '--verify',
        '--deep',
        '--strict',
        '--test-requirement==identifier "com.ae.aether" and anchor apple generic and certificate leaf[subject.OU] = "TEAM123456"',
        app,
      ],
      ['xattr', '-r', '-d', 'com.apple.quarantine', app],
    ]);
    expect(tools.calls.flat()).not.toContain('unzip');
    expect(manifest).toMatchObject({
      kind: 'macos-app',
      staged_path: path.join(stagingRoot(installPath), '1.5.0', 'Aether.app'),
    });
    expect(await readFile(path.join(manifest.staged_path, 'Contents', 'MacOS', 'Aether'), 'utf8')).toBe('binary');
  });

  it('refuses a build signed by someone else and leaves no staged app or manifest', async () => {
    const { installPath, build } = await macSetup();
    const tools = fakeMacTools({
      'codesign --verify --deep': (args) =>
        args.some((a) => a.startsWith('--test-requirement'))
          ? {
              exitCode: 3,
              stdout: '',
              stderr: 'test-requirement: code failed to satisfy specified code requirement(s)',
            }
          : { exitCode: 0, stdout: '', stderr: '' },
    });
    const err = await stageBuild(
      { platform: 'darwin', installPath, appVersion: '1.4.0', run: tools.run, logger: silentLogger() },
      build,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagingError);
    expect((err as Error).message).toMatch(/same developer.*failed to satisfy/);
    expect(await readdir(stagingRoot(installPath))).toEqual([]);
  });

  it('refuses a translocated app before running any tool, with a message for the splash', async () => {
    const { build } = await macSetup();
    const installPath = '/private/var/folders/xy/T/AppTranslocation/1234-ABCD/d/Aether.app';
    await expect(
      stageBuild({ platform: 'darwin', installPath, appVersion: '1.4.0', run: never, logger: silentLogger() }, build),
    ).rejects.toThrow(/translocated.*Move Aether.app into \/Applications/);
  });

  it.skipIf(process.getuid?.() === 0)('refuses an install folder it cannot write to', async () => {
    const { installPath, build } = await macSetup();
    const { chmod } = await import('node:fs/promises');
    await chmod(path.dirname(installPath), 0o555);
    cleanups.push(() => chmod(path.dirname(installPath), 0o755));
    await expect(
      stageBuild({ platform: 'darwin', installPath, appVersion: '1.4.0', run: never, logger: silentLogger() }, build),
    ).rejects.toThrow(/cannot write to/);
  });

  it('reads the designated requirement only from a designated line', () => {
    expect(designatedRequirement('Executable=/x\ndesignated => identifier "a" and anchor apple\n')).toBe(
      '=identifier "a" and anchor apple',
    );
    expect(designatedRequirement('Executable=/x\ncode object is not signed at all\n')).toBeNull();
  });
});

describe('payload check', () => {
  it('hashes an unchanged file once, and again when it changes', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'build.bin');
    const data = Buffer.alloc(5000, 1);
    const mtime = 1_790_000_000;
    await writeFile(file, data);
    await utimes(file, mtime, mtime);
    const cache = new PayloadHashCache();
    const expected = { size: data.length, sha256: sha256(data) };
    expect(await checkPayload(file, expected, cache)).toEqual({ kind: 'match' });
    // Same inode, size and mtime but other bytes: only a cached hash can still say "match".
    await writeFile(file, Buffer.alloc(5000, 2));
    await utimes(file, mtime, mtime);
    expect(await checkPayload(file, expected, cache)).toEqual({ kind: 'match' });
    await utimes(file, mtime, mtime + 5);
    expect(await checkPayload(file, expected, cache)).toMatchObject({ kind: 'hash-mismatch' });
  });

  it('tells missing, incomplete and too-large apart without hashing', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'b.bin');
    const expected = { size: 10, sha256: sha256('0123456789') };
    const cache = new PayloadHashCache();
    expect(await checkPayload(file, expected, cache)).toEqual({ kind: 'missing' });
    await writeFile(file, '01234');
    expect(await checkPayload(file, expected, cache)).toEqual({ kind: 'incomplete', have: 5, need: 10 });
    await writeFile(file, '0123456789a');
    expect(await checkPayload(file, expected, cache)).toEqual({ kind: 'too-large', have: 11, need: 10 });
  });
});
