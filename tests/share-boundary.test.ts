import { execFileSync, spawn } from 'node:child_process';
import { chmod, mkdir, open, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { type ShareReadProblem, readShareFileSafely, ShareReadError } from '../provisioning/share-read';
import { createShareWatcher, SHARE_DIR_MAX_ENTRIES } from '../provisioning/share-watcher';
import { waitForSeed, type ZeroTouchState } from '../provisioning/zero-touch';
import { createStatusReporter, statusFields } from '../update-helper/status-reporter';
import type { UpdateState } from '../update-helper/update-state';
import { createVersionWatcher, type VersionWatcher } from '../update-helper/version-watcher';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';
import { dropVersion, nativeAppDir, recordingStage, sha256 } from './version-watcher-fixtures';

const cleanups = useCleanups();

/** Looks like /etc/shadow: none of it may ever appear in a state, a status file or a log line. */
const SHADOW =
  'root:$6$Qm9yZ2V0TWVOb3Q$kP3vXwq8SECRETHASHzz0Lm:19000:0:99999:7:::\nadmin:$6$c2FsdHNhbHQ$ANOTHERHASHyyQ9:19000:0:99999:7:::\n';

/** Every 8-character window of the secret file: a status text holding any of them quotes the file. */
function quotesShadow(text: string): string[] {
  const hits: string[] = [];
  for (let i = 0; i + 8 <= SHADOW.length; i += 1) {
    const piece = SHADOW.slice(i, i + 8);
    if (!/^[:0-9\n]+$/.test(piece) && text.includes(piece)) hits.push(piece);
  }
  return hits;
}

// Every watcher error must become a state: anything reaching the process is a crash-loop in the app.
const escaped: string[] = [];
const onRejection = (reason: unknown) => void escaped.push(`unhandledRejection: ${String(reason)}`);
const onException = (err: Error) => void escaped.push(`uncaughtException: ${err.message}`);
beforeAll(() => {
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
});
afterAll(() => {
  process.off('unhandledRejection', onRejection);
  process.off('uncaughtException', onException);
});
afterEach(async () => {
  // A rejection surfaces on a later tick: give it one before checking.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(escaped).toEqual([]);
});

type Hostile =
  | 'symlink-outside'
  | 'symlink-huge'
  | 'huge'
  | 'fifo'
  | 'directory'
  | 'symlink-loop'
  | 'socket'
  | 'invalid-utf8'
  | 'not-json'
  | 'mode-000';

const HOSTILE: Record<Hostile, { problem: ShareReadProblem | null; reason: RegExp }> = {
  'symlink-outside': { problem: 'symlink', reason: /is a symbolic link/ },
  'symlink-huge': { problem: 'symlink', reason: /is a symbolic link/ },
  huge: { problem: 'too-large', reason: /is 3072\.0 MiB, more than the 64\.0 KiB it may be/ },
  fifo: { problem: 'not-a-file', reason: /is a named pipe \(FIFO\), not a regular file/ },
  directory: { problem: 'not-a-file', reason: /is a folder, not a regular file/ },
  'symlink-loop': { problem: 'symlink', reason: /is a symbolic link/ },
  socket: { problem: 'not-a-file', reason: /socket/ },
  'invalid-utf8': { problem: null, reason: /is not UTF-8 text/ },
  'not-json': { problem: null, reason: /is not valid JSON \(line 1, column 1\)/ },
  // Root reads it anyway (mode bits do not bind root): it is then refused as what it holds.
  'mode-000': { problem: null, reason: /is not valid JSON \(line 1, column 1\)/ },
};

/** Outside the share: where a hostile peer's symlinks point. */
async function outside(): Promise<{ shadow: string; huge: string }> {
  const dir = await cleanups.tempDir('outside-share');
  const shadow = path.join(dir, 'shadow');
  await writeFile(shadow, SHADOW);
  const huge = path.join(dir, 'huge.bin');
  await writeFile(huge, '');
  await truncate(huge, 3 * 1024 * 1024 * 1024); // sparse: 3 GiB that cost no disk
  return { shadow, huge };
}

async function makeHostile(kind: Hostile, target: string): Promise<void> {
  await rm(target, { recursive: true, force: true });
  const { shadow, huge } = await outside();
  switch (kind) {
    case 'symlink-outside':
      return symlink(shadow, target);
    case 'symlink-huge':
      return symlink(huge, target);
    case 'huge':
      await writeFile(target, '');
      return truncate(target, 3 * 1024 * 1024 * 1024);
    case 'fifo':
      execFileSync('mkfifo', [target]);
      return;
    case 'directory':
      return mkdir(target);
    case 'symlink-loop':
      return symlink(path.basename(target), target);
    case 'socket': {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(target, resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      return;
    }
    case 'invalid-utf8':
      return writeFile(target, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
    case 'not-json':
      return writeFile(target, SHADOW);
    case 'mode-000':
      await writeFile(target, SHADOW);
      return chmod(target, 0o000);
  }
}

describe('readShareFileSafely', () => {
  it('reads a plain file, and refuses every other kind of entry with a typed problem and no content', async () => {
    const share = await cleanups.tempDir('share-read');
    await writeFile(path.join(share, 'plain.json'), '{"ok":true}');
    const plain = await readShareFileSafely(path.join(share, 'plain.json'), { maxBytes: 64, root: share });
    expect(plain.bytes.toString()).toBe('{"ok":true}');
    for (const kind of Object.keys(HOSTILE) as Hostile[]) {
      const problem = HOSTILE[kind].problem;
      if (!problem) continue;
      const file = path.join(share, `${kind}.json`);
      await makeHostile(kind, file);
      const err = await readShareFileSafely(file, { maxBytes: 64 * 1024, root: share }).catch((e: unknown) => e);
      expect(err, kind).toBeInstanceOf(ShareReadError);
      expect((err as ShareReadError).problem, kind).toBe(problem);
      expect(quotesShadow((err as Error).message), kind).toEqual([]);
    }
  });

  it('refuses before reading: a file over the cap, a folder of the path that is a symlink or a file, a vanished file', async () => {
    const share = await cleanups.tempDir('share-read-path');
    const { shadow } = await outside();
    await writeFile(path.join(share, 'big.json'), Buffer.alloc(65 * 1024, 0x20));
    await expect(readShareFileSafely(path.join(share, 'big.json'), { maxBytes: 64 * 1024 })).rejects.toMatchObject({
      problem: 'too-large',
    });
    // A folder on the way that is a symlink: `seeds/` pointing at a folder outside the share.
    await symlink(path.dirname(shadow), path.join(share, 'seeds'));
    await expect(
      readShareFileSafely(path.join(share, 'seeds', 'shadow'), { maxBytes: 64 * 1024, root: share }),
    ).rejects.toMatchObject({ problem: 'symlink' });
    await writeFile(path.join(share, 'binaries'), 'a file where a folder should be');
    await expect(
      readShareFileSafely(path.join(share, 'binaries', 'version.json'), { maxBytes: 1024, root: share }),
    ).rejects.toMatchObject({ problem: 'path-not-a-folder' });
    await expect(
      readShareFileSafely(path.join(share, 'gone.json'), { maxBytes: 1024, root: share }),
    ).rejects.toMatchObject({ problem: 'missing' });
    await expect(
      readShareFileSafely(path.join(share, '..', 'escape.json'), { maxBytes: 1024, root: share }),
    ).rejects.toMatchObject({ problem: 'path-not-a-folder' });
  });

  it('a 50 MiB version.json costs no memory: refused from its size before a byte is read (RSS measured)', async () => {
    const share = await cleanups.tempDir('share-read-rss');
    const file = path.join(share, 'version.json');
    const handle = await open(file, 'w');
    const chunk = Buffer.alloc(1024 * 1024, 0x20);
    for (let i = 0; i < 50; i += 1) await handle.write(chunk);
    await handle.close();
    global.gc?.();
    const before = process.memoryUsage().rss;
    for (let i = 0; i < 20; i += 1)
      await expect(readShareFileSafely(file, { maxBytes: 64 * 1024 })).rejects.toMatchObject({ problem: 'too-large' });
    const grownMiB = (process.memoryUsage().rss - before) / 1024 / 1024;
    console.info(`50 MiB version.json read 20 times: RSS grew ${grownMiB.toFixed(1)} MiB`);
    expect(grownMiB).toBeLessThan(16);
  });
});

const BUILD = Buffer.alloc(50_000, 7);
const RELEASE = { version: '1.1.0', file: 'Aether-1.1.0.AppImage', sha256: sha256(BUILD), size: BUILD.length };

async function versionWatcherOn(share: string): Promise<VersionWatcher> {
  const recorder = recordingStage();
  const watcher = createVersionWatcher({
    target: 'linux-x64',
    shareRoot: share,
    appVersion: '1.0.0',
    hostname: 'lectern-a',
    logger: silentLogger(),
    stage: recorder.stage,
    applyStagedUpdate: async () => undefined,
    watch: { debounceMs: 20 },
  });
  cleanups.push(() => watcher.close());
  await watcher.start();
  return watcher;
}

describe('version watcher: every hostile version.json is a failed state, never a crash or a leak', () => {
  it('goes through every file-system error in turn, publishes a fixed reason, and recovers on a good file', async () => {
    const share = await cleanups.tempDir('vw-hostile');
    const dir = await nativeAppDir(share);
    const watcher = await versionWatcherOn(share);
    const reporterFiles: string[] = [];
    const reporter = createStatusReporter({
      shareRoot: share,
      hostname: 'lectern-a',
      logger: silentLogger(),
      minIntervalMs: 0,
      heartbeatMs: 3_600_000,
    });
    cleanups.push(() => reporter.close());
    const file = path.join(dir, 'version.json');
    for (const kind of Object.keys(HOSTILE) as Hostile[]) {
      await makeHostile(kind, file);
      await watcher.checkNow();
      const state = await waitFor(`a failed state for ${kind}`, () => {
        const s = watcher.status().state;
        return s.kind === 'failed' && HOSTILE[kind].reason.test(s.reason) ? s : undefined;
      });
      reporter.report(
        statusFields({
          eventDeviceId: 'dev1',
          appVersion: '1.0.0',
          bootstrap: { kind: 'seeking-seed' },
          update: state as UpdateState,
          cache: { files: 0, bytes: 0, missing: 0 },
          staged: null,
        }),
      );
      await reporter.flush();
      const written = await readFile(path.join(share, 'status', 'lectern-a.json'), 'utf8');
      expect(JSON.parse(written).update.last_error, kind).toMatch(HOSTILE[kind].reason);
      reporterFiles.push(written);
    }
    expect(quotesShadow(reporterFiles.join('\n'))).toEqual([]);
    // And a corrected release is taken as usual.
    await rm(file, { recursive: true, force: true });
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, RELEASE);
    await watcher.checkNow();
    await waitFor('staged after the hostile files', () => watcher.status().state.kind === 'staged');
  });

  it('a build named by version.json that is a symlink, a FIFO or a folder is refused, never hashed through', async () => {
    const share = await cleanups.tempDir('vw-payload');
    const dir = await nativeAppDir(share);
    const watcher = await versionWatcherOn(share);
    const payload = path.join(dir, RELEASE.file);
    const { huge } = await outside();
    await dropVersion(dir, RELEASE);
    for (const make of [() => symlink(huge, payload), () => execFileSync('mkfifo', [payload]), () => mkdir(payload)]) {
      await rm(payload, { recursive: true, force: true });
      await make();
      await watcher.checkNow();
      await waitFor('the payload refused', () => {
        const s = watcher.status().state;
        return (
          s.kind === 'failed' &&
          /Aether-1\.1\.0\.AppImage in the share is (a symbolic link|not a regular file)/.test(s.reason)
        );
      });
    }
  });

  it('binaries/native_app as a symlink to a folder outside the share is not read through', async () => {
    const share = await cleanups.tempDir('vw-linked-dir');
    const elsewhere = await cleanups.tempDir('vw-elsewhere');
    await writeFile(path.join(elsewhere, RELEASE.file), BUILD);
    await dropVersion(elsewhere, RELEASE);
    await mkdir(path.join(share, 'binaries'));
    await symlink(elsewhere, path.join(share, 'binaries', 'native_app'));
    const watcher = await versionWatcherOn(share);
    await watcher.checkNow();
    const state = await waitFor('refused', () =>
      watcher.status().state.kind === 'failed' ? watcher.status().state : undefined,
    );
    expect(state).toMatchObject({ reason: expect.stringMatching(/share folder native_app is a symbolic link/) });
  });

  it('survives version.json appearing and vanishing 100 times (gone between readdir and open)', async () => {
    const share = await cleanups.tempDir('vw-flicker');
    const dir = await nativeAppDir(share);
    const watcher = await versionWatcherOn(share);
    const file = path.join(dir, 'version.json');
    for (let i = 0; i < 100; i += 1) {
      await writeFile(file, SHADOW);
      if (i % 10 === 0) void watcher.checkNow();
      await rm(file, { force: true });
    }
    await watcher.checkNow();
    expect(quotesShadow(JSON.stringify(watcher.status()))).toEqual([]);
  });
});

describe('zero-touch: a hostile seed in the share is refused and waited on', () => {
  it('goes through every hostile entry, never copies one, and takes a plain seed afterwards', async () => {
    const home = await cleanups.tempDir('zt-hostile');
    const share = path.join(home, 'admin_share');
    const seeds = path.join(share, 'seeds');
    await mkdir(seeds, { recursive: true });
    const seedConfigPath = path.join(home, 'config', 'seed.json');
    const states: ZeroTouchState[] = [];
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    const done = waitForSeed({
      shareCandidates: [share],
      hostname: 'lectern-a',
      seedConfigPath,
      defaultApiUrl: 'https://api.example',
      logger: silentLogger(),
      onState: (s) => states.push(s),
      signal: controller.signal,
      watch: { debounceMs: 20 },
    });
    const file = path.join(seeds, 'seed_lectern-a.json');
    const expected: Record<Hostile, RegExp> = {
      ...Object.fromEntries(Object.entries(HOSTILE).map(([k, v]) => [k, v.reason])),
      'not-json': /is not valid JSON/,
      'mode-000': /is not valid JSON/,
      huge: /more than the 64\.0 KiB/,
    } as Record<Hostile, RegExp>;
    for (const kind of Object.keys(HOSTILE) as Hostile[]) {
      await makeHostile(kind, file);
      // The kernel announces a state once: a problem worded like the one before is not announced again.
      const problem = await waitFor(`the problem for ${kind}`, () => {
        const last = states.at(-1);
        return last?.kind === 'waiting' && last.problem && expected[kind].test(last.problem) ? last.problem : undefined;
      });
      expect(quotesShadow(problem), kind).toEqual([]);
      await expect(readdir(path.dirname(seedConfigPath)).catch(() => [])).resolves.toEqual([]);
    }
    await rm(file, { recursive: true, force: true });
    await writeFile(file, JSON.stringify({ event_device_id: 'dev1', aether_api_key: 'k-123456' }));
    const loaded = await done;
    expect(loaded.seed.event_device_id).toBe('dev1');
  });

  it('a seeds folder that is a symlink to a folder outside the share is not read through', async () => {
    const home = await cleanups.tempDir('zt-linked');
    const share = path.join(home, 'admin_share');
    const elsewhere = await cleanups.tempDir('zt-elsewhere');
    await mkdir(share);
    await writeFile(path.join(elsewhere, 'seed_lectern-a.json'), JSON.stringify({ event_device_id: 'attacker' }));
    await symlink(elsewhere, path.join(share, 'seeds'));
    const states: ZeroTouchState[] = [];
    const controller = new AbortController();
    cleanups.push(() => controller.abort());
    void waitForSeed({
      shareCandidates: [share],
      hostname: 'lectern-a',
      seedConfigPath: path.join(home, 'config', 'seed.json'),
      defaultApiUrl: 'https://api.example',
      logger: silentLogger(),
      onState: (s) => states.push(s),
      signal: controller.signal,
      watch: { debounceMs: 20 },
    }).catch(() => null);
    await waitFor('the refusal', () =>
      states.some((s) => s.kind === 'waiting' && /share folder seeds is a symbolic link/.test(s.problem ?? '')),
    );
    expect(states.some((s) => s.kind === 'provisioned')).toBe(false);
  });
});

describe('share watcher and status reporter: folder-level errors are states', () => {
  it('a watched folder that is a symlink loop is a scan-failed state, and watching resumes when it is a folder', async () => {
    const share = await cleanups.tempDir('sw-loop');
    const dir = path.join(share, 'seeds');
    await symlink('seeds', dir);
    const watcher = createShareWatcher({ dir, logger: silentLogger(), debounceMs: 20, onSnapshot: () => undefined });
    cleanups.push(() => watcher.close());
    await watcher.start();
    expect(watcher.state).toEqual({
      kind: 'scan-failed',
      problem: 'symlink',
      description: 'the share folder is reached through a symbolic link loop',
    });
    await rm(dir);
    await mkdir(dir);
    await watcher.rescan();
    expect(watcher.state.kind).toBe('watching');
  });

  it('a folder flooded with more entries than the cap is a scan-failed state, not a stat per entry on every event', async () => {
    const share = await cleanups.tempDir('sw-flood');
    const dir = path.join(share, 'seeds');
    await mkdir(dir);
    for (let i = 0; i <= SHARE_DIR_MAX_ENTRIES; i += 1) await writeFile(path.join(dir, `f${i}`), '');
    const snapshots: number[] = [];
    const watcher = createShareWatcher({
      dir,
      logger: silentLogger(),
      debounceMs: 20,
      onSnapshot: (s) => snapshots.push(s.size),
    });
    cleanups.push(() => watcher.close());
    await watcher.start();
    expect(watcher.state).toEqual({
      kind: 'scan-failed',
      problem: 'too-large',
      description: `the share folder seeds holds more than ${SHARE_DIR_MAX_ENTRIES} entries; it is not scanned`,
    });
    expect(snapshots).toEqual([]);
    await rm(path.join(dir, 'f0'));
    await rm(path.join(dir, 'f1'));
    await watcher.rescan();
    expect(watcher.state.kind).toBe('watching');
    expect(snapshots.at(-1)).toBe(SHARE_DIR_MAX_ENTRIES - 1);
  });

  it('never writes through a status/ that is a symlink, nor into one that is a file or a FIFO', async () => {
    const share = await cleanups.tempDir('sr-hostile');
    const elsewhere = await cleanups.tempDir('sr-elsewhere');
    const reporter = createStatusReporter({
      shareRoot: share,
      hostname: 'lectern-a',
      logger: silentLogger(),
      minIntervalMs: 0,
      heartbeatMs: 3_600_000,
    });
    cleanups.push(() => reporter.close());
    const fields = statusFields({
      eventDeviceId: 'dev1',
      appVersion: '1.0.0',
      bootstrap: { kind: 'seeking-seed' },
      update: { kind: 'idle' },
      cache: { files: 0, bytes: 0, missing: 0 },
      staged: null,
    });
    const status = path.join(share, 'status');
    const cases: Array<[() => Promise<unknown>, string]> = [
      [() => symlink(elsewhere, status), 'status-is-symlink'],
      [() => writeFile(status, 'x'), 'status-not-a-folder'],
      [async () => execFileSync('mkfifo', [status]), 'status-not-a-folder'],
    ];
    for (const [make, code] of cases) {
      await rm(status, { recursive: true, force: true });
      await make();
      reporter.report({ ...fields, app_version: `1.0.${code.length}` });
      await reporter.flush();
      expect(reporter.lastProblem()?.code).toBe(code);
      expect(await readdir(elsewhere)).toEqual([]);
    }
    await rm(status, { recursive: true, force: true });
    reporter.report({ ...fields, app_version: '1.0.99' });
    await reporter.flush();
    expect(reporter.lastProblem()).toBeNull();
    expect(await readdir(status)).toEqual(['lectern-a.json']);
  });
});

const CHILD = fileURLToPath(new URL('./share-unreadable-child.ts', import.meta.url));

describe('a real EACCES, as a user that is not root', () => {
  it('a mode 000 version.json and an unreadable seed are failed/waiting states in a non-root process, nothing escapes', async () => {
    if (process.getuid?.() !== 0) return; // needs root to become another user; as non-root the mode bits apply anyway
    const base = await cleanups.tempDir('eacces');
    await chmod(base, 0o755);
    const share = path.join(base, 'share');
    const dir = await nativeAppDir(share);
    await mkdir(path.join(share, 'seeds'));
    await writeFile(path.join(dir, 'version.json'), SHADOW);
    await chmod(path.join(dir, 'version.json'), 0o000);
    await writeFile(path.join(share, 'seeds', 'seed_lectern-a.json'), SHADOW);
    await chmod(path.join(share, 'seeds', 'seed_lectern-a.json'), 0o000);
    const home = path.join(base, 'home');
    await mkdir(home);
    execFileSync('chown', ['-R', '65534:65534', home]);
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, share, home], {
      uid: 65534,
      gid: 65534,
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    cleanups.push(() => child.exitCode === null && child.kill());
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    // A Node binary the other user cannot run (e.g. under root's private home) is a clear failure, not a hang.
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', (e) =>
        reject(
          new Error(`the non-root child could not start (${e.message}); install Node where every user can run it`),
        ),
      );
      child.on('close', resolve);
    });
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { update: UpdateState; zeroTouch: ZeroTouchState; escaped: string[] };
    expect(report.escaped).toEqual([]);
    expect(report.update).toMatchObject({
      kind: 'failed',
      reason: expect.stringMatching(/version\.json cannot be read \(permission denied\)/),
    });
    expect(report.zeroTouch).toMatchObject({
      kind: 'waiting',
      problem: expect.stringMatching(/seed_lectern-a\.json cannot be read \(permission denied\)/),
    });
    expect(quotesShadow(out)).toEqual([]);
  });
});
