import { appendFile, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import type { UpdateState } from '../update-helper/update-state';
import {
  createVersionWatcher,
  UpdateNotReadyError,
  type StageBuild,
  type VersionWatcher,
} from '../update-helper/version-watcher';
import { waitFor } from './share-watcher-helpers';
import type { BuildTarget } from '../contracts/version';
import { useCleanups } from './support/cleanups';
import { dropVersion, nativeAppDir, recordingStage, sha256 } from './version-watcher-fixtures';

const cleanups = useCleanups();

const BUILD = Buffer.alloc(300_000, 7);
const RELEASE = { version: '1.1.0', file: 'Aether-1.1.0.AppImage', sha256: sha256(BUILD), size: BUILD.length };

async function setup(opts: { stage?: StageBuild; hostname?: string; target?: BuildTarget; logger?: pino.Logger } = {}) {
  const share = await cleanups.tempDir('vw');
  const dir = await nativeAppDir(share);
  const recorder = recordingStage();
  const applied: string[] = [];
  const states: UpdateState[] = [];
  const watcher: VersionWatcher = createVersionWatcher({
    shareRoot: share,
    appVersion: '1.0.0',
    hostname: opts.hostname ?? 'lectern-a',
    target: opts.target ?? 'linux-x64',
    logger: opts.logger ?? silentLogger(),
    stage: opts.stage ?? recorder.stage,
    applyStagedUpdate: async (m) => void applied.push(m.version),
    watch: { debounceMs: 40 },
  });
  watcher.subscribe((s) => states.push(s.state));
  cleanups.push(() => watcher.close());
  await watcher.start();
  const stateIs = (kind: UpdateState['kind']) =>
    waitFor(`update state ${kind} (now ${watcher.status().state.kind})`, () =>
      watcher.status().state.kind === kind ? watcher.status().state : undefined,
    );
  return { share, dir, watcher, states, stage: recorder, applied, stateIs };
}

describe('version watcher on real folders', () => {
  it('waits for a payload that arrives after version.json and grows in steps, then stages it once', async () => {
    const { dir, watcher, stage, stateIs, states } = await setup();
    await dropVersion(dir, RELEASE);
    await stateIs('waiting-for-payload');
    const target = path.join(dir, RELEASE.file);
    for (let offset = 0; offset < BUILD.length; offset += 100_000) {
      await appendFile(target, BUILD.subarray(offset, offset + 100_000));
      if (offset + 100_000 < BUILD.length) {
        await waitFor('progress', () => {
          const s = watcher.status().state;
          return s.kind === 'waiting-for-payload' && s.have === offset + 100_000;
        });
      }
    }
    await stateIs('staged');
    expect(stage.calls).toHaveLength(1);
    expect(stage.calls[0]?.build.payloadPath).toBe(target);
    const kinds = states.map((s) => s.kind);
    expect(kinds.indexOf('seen')).toBeLessThan(kinds.indexOf('waiting-for-payload'));
    expect(kinds.lastIndexOf('verifying')).toBeLessThan(kinds.lastIndexOf('staged'));
  });

  it('refuses a payload with the wrong hash until a corrected file replaces it', async () => {
    const { dir, stage, stateIs } = await setup();
    const wrong = Buffer.alloc(BUILD.length, 8);
    await writeFile(path.join(dir, RELEASE.file), wrong);
    await dropVersion(dir, RELEASE);
    const failed = await stateIs('failed');
    expect(failed).toMatchObject({
      failure: { code: 'payload-hash-mismatch' },
      reason: expect.stringContaining('SHA-256'),
    });
    expect(stage.calls).toHaveLength(0);
    await writeFile(path.join(dir, `.syncthing.${RELEASE.file}.tmp`), BUILD);
    await rename(path.join(dir, `.syncthing.${RELEASE.file}.tmp`), path.join(dir, RELEASE.file));
    await stateIs('staged');
    expect(stage.calls).toHaveLength(1);
  });

  it('refuses a payload larger than version.json says', async () => {
    const { dir, stage, stateIs } = await setup();
    await writeFile(path.join(dir, RELEASE.file), Buffer.concat([BUILD, Buffer.from('x')]));
    await dropVersion(dir, RELEASE);
    expect(await stateIs('failed')).toMatchObject({
      failure: { code: 'payload-too-large', need: BUILD.length },
      reason: expect.stringContaining(`says ${BUILD.length}`),
    });
    expect(stage.calls).toHaveLength(0);
  });

  it('ignores a downgrade and an equal version, logging each once however many events arrive', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
    const { dir, watcher, stage } = await setup({ logger });
    await writeFile(path.join(dir, 'Aether-0.9.0.AppImage'), BUILD);
    await dropVersion(dir, { ...RELEASE, version: '0.9.0', file: 'Aether-0.9.0.AppImage' });
    await waitFor('the downgrade noted', () => {
      const s = watcher.status().state;
      return s.kind === 'idle' && s.note?.includes('downgrades are refused');
    });
    await waitFor('the downgrade to be logged', () => lines.some((l) => l.includes('downgrades are refused')));
    for (let i = 0; i < 3; i++) {
      // Each new file is a new snapshot, so version.json is evaluated again.
      await writeFile(path.join(dir, `unrelated-${i}.txt`), 'x');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(lines.filter((l) => l.includes('downgrades are refused'))).toHaveLength(1);
    await dropVersion(dir, { ...RELEASE, version: '1.0.0' });
    await waitFor('equal version noted', () => {
      const s = watcher.status().state;
      return s.kind === 'idle' && s.note?.includes('already running');
    });
    expect(stage.calls).toHaveLength(0);
  });

  it('reports malformed JSON and a file name with ../ without staging, and recovers when fixed', async () => {
    const { dir, watcher, stage, stateIs } = await setup();
    await writeFile(path.join(dir, 'version.json'), '{"version": "1.1.0", "file": ');
    expect(await stateIs('failed')).toMatchObject({
      failure: { code: 'version-json-syntax' },
      reason: expect.stringContaining('not valid JSON'),
    });
    await dropVersion(dir, { ...RELEASE, file: '../../etc/passwd' });
    await waitFor('the ../ name refused', () => {
      const s = watcher.status().state;
      return s.kind === 'failed' && s.failure.code === 'version-json-invalid' && s.reason.includes('file:');
    });
    await dropVersion(dir, { ...RELEASE, file: '.hidden.AppImage' });
    await waitFor('the dotfile name refused', () => {
      const s = watcher.status().state;
      return s.kind === 'failed' && s.reason.includes('must not start with a dot');
    });
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, RELEASE);
    await stateIs('staged');
    expect(stage.calls.map((c) => c.build.release.file)).toEqual([RELEASE.file]);
  });

  it("notices a corrected version.json that keeps the old one's inode, size and mtime", async () => {
    const { dir, stateIs } = await setup();
    const file = path.join(dir, 'version.json');
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, { ...RELEASE, sha256: sha256('not the build') });
    await utimes(file, 1_790_000_000, 1_790_000_000);
    expect(await stateIs('failed')).toMatchObject({ reason: expect.stringContaining('SHA-256') });
    // Rewritten in place: same inode, same length, mtime put back. Only the content differs.
    await writeFile(file, JSON.stringify(RELEASE, null, 2).concat('\n'));
    await utimes(file, 1_790_000_000, 1_790_000_000);
    await stateIs('staged');
  });

  it('never acts on Syncthing conflict copies or temp files of version.json', async () => {
    const { dir, watcher, stage } = await setup();
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await writeFile(path.join(dir, 'version.sync-conflict-20261122-101010-ABCDEFG.json'), JSON.stringify(RELEASE));
    await writeFile(path.join(dir, '.syncthing.version.json.tmp'), JSON.stringify(RELEASE));
    await writeFile(path.join(dir, 'marker.txt'), 'scanned');
    await watcher.checkNow();
    expect(watcher.status().state).toEqual({ kind: 'idle' });
    expect(stage.calls).toHaveLength(0);
  });

  it('keeps its state when version.json is deleted before its replacement arrives', async () => {
    const { dir, watcher, stateIs } = await setup();
    await dropVersion(dir, RELEASE);
    await stateIs('waiting-for-payload');
    await rm(path.join(dir, 'version.json'));
    await writeFile(path.join(dir, 'marker.txt'), 'rescan');
    await watcher.checkNow();
    expect(watcher.status().state.kind).toBe('waiting-for-payload');
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, RELEASE);
    await stateIs('staged');
  });

  it('abandons a release being verified when a second one is dropped, and stages the second', async () => {
    const releases: string[] = [];
    const signals: AbortSignal[] = [];
    let releaseFirst: () => void = () => undefined;
    const recorder = recordingStage();
    const stage: StageBuild = async (build, signal) => {
      releases.push(build.release.version);
      signals.push(signal);
      if (build.release.version === '1.1.0') {
        await new Promise<void>((resolve) => {
          releaseFirst = resolve;
          signal.addEventListener('abort', () => resolve());
        });
      }
      return recorder.stage(build, signal);
    };
    const { dir, watcher, stateIs } = await setup({ stage });
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, RELEASE);
    await waitFor('the first release being staged', () => releases.length === 1);
    expect(watcher.status().state.kind).toBe('verifying');
    const second = Buffer.alloc(1000, 9);
    await writeFile(path.join(dir, 'Aether-1.2.0.AppImage'), second);
    await dropVersion(dir, {
      version: '1.2.0',
      file: 'Aether-1.2.0.AppImage',
      sha256: sha256(second),
      size: second.length,
    });
    const staged = await stateIs('staged');
    releaseFirst();
    expect(signals[0]?.aborted).toBe(true);
    expect(releases).toEqual(['1.1.0', '1.2.0']);
    expect(staged).toMatchObject({ version: '1.2.0' });
  });

  it('honours only_hosts and min_version', async () => {
    const { dir, watcher, stage } = await setup({ hostname: 'lectern-c' });
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, { ...RELEASE, only_hosts: ['Lectern-A.local', 'lectern-b'] });
    await waitFor('canary refusal', () => {
      const s = watcher.status().state;
      return s.kind === 'idle' && s.note?.includes('canary release for lectern-a, lectern-b');
    });
    await dropVersion(dir, { ...RELEASE, min_version: '1.0.5' });
    await waitFor('min_version refusal', () => {
      const s = watcher.status().state;
      return s.kind === 'idle' && s.note?.includes('needs at least 1.0.5');
    });
    await dropVersion(dir, { ...RELEASE, only_hosts: ['lectern-c'], min_version: '1.0.0' });
    await waitFor('staged for the canary', () => watcher.status().state.kind === 'staged');
    expect(stage.calls).toHaveLength(1);
  });

  it('applies only a staged update, through the injected hand-over', async () => {
    const { dir, watcher, applied, stateIs } = await setup();
    await expect(watcher.apply()).rejects.toBeInstanceOf(UpdateNotReadyError);
    await writeFile(path.join(dir, RELEASE.file), BUILD);
    await dropVersion(dir, RELEASE);
    await stateIs('staged');
    await watcher.apply();
    expect(applied).toEqual(['1.1.0']);
    expect(watcher.status().state).toEqual({ kind: 'applying', version: '1.1.0' });
  });
});
