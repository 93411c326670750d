import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import type { Services } from '../router/services';
import { createCallerFactory, type SenderInfo } from '../router/trpc';
import { updateRouter, type UpdateStatus } from '../router/update';
import { createVersionWatcher } from '../update-helper/version-watcher';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';
import { dropVersion, nativeAppDir, recordingStage, sha256 } from './version-watcher-fixtures';

const LAUNCHER: SenderInfo = {
  webContentsId: 1,
  role: 'kiosk',
  isMainFrame: true,
  origin: 'https://summit.example-events.com',
  url: 'https://summit.example-events.com/x',
};
const STRANGER: SenderInfo = { ...LAUNCHER, origin: 'https://evil.example' };
/** update.apply is the splash's (docs/SECURITY.md, "Trust boundaries"); the policy here admits it like the launcher. */
const SPLASH: SenderInfo = { ...LAUNCHER, webContentsId: 2, role: 'splash' };

const cleanups = useCleanups();

async function setup() {
  const share = await cleanups.tempDir('update-router');
  const dir = await nativeAppDir(share);
  const applied: string[] = [];
  const watcher = createVersionWatcher({
    target: 'linux-x64',
    shareRoot: share,
    appVersion: '1.0.0',
    hostname: 'lectern-a',
    logger: silentLogger(),
    stage: recordingStage().stage,
    applyStagedUpdate: async (m) => applied.push(m.version),
    watch: { debounceMs: 30 },
  });
  cleanups.push(() => watcher.close());
  await watcher.start();
  const services = {
    logger: silentLogger(),
    senderPolicy: { isAllowed: (s: SenderInfo) => s.origin === LAUNCHER.origin },
    update: watcher,
  } as unknown as Services;
  const caller = (sender: SenderInfo = LAUNCHER) => createCallerFactory(updateRouter)({ sender, services });
  return { dir, caller, applied };
}

/**
 * tRPC 10's caller proxy reads a trailing `.apply(thisArg, args)` as Function.prototype.apply, so the
 * `apply` procedure is called that way here. The page's client (`update.apply.mutate()`) is unaffected.
 */
const callApply = (c: ReturnType<Awaited<ReturnType<typeof setup>>['caller']>) =>
  c.apply.apply(undefined, []) as Promise<{ applying: string }>;

describe('update procedures', () => {
  it('status, events and apply follow the real state machine', async () => {
    const { dir, caller, applied } = await setup();
    const c = caller();
    expect(await c.status()).toEqual({ appVersion: '1.0.0', state: { kind: 'idle' } });
    const seen: UpdateStatus[] = [];
    const sub = (await c.events()).subscribe({ next: (s) => seen.push(s) });
    cleanups.push(async () => sub.unsubscribe());
    expect(seen[0]?.state).toEqual({ kind: 'idle' });
    const splash = caller(SPLASH);
    await expect(callApply(c)).rejects.toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('splash') });
    await expect(callApply(splash)).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('No update is staged'),
    });
    const build = Buffer.from('build bytes');
    await writeFile(path.join(dir, 'Aether-1.1.0.AppImage'), build);
    await dropVersion(dir, {
      version: '1.1.0',
      file: 'Aether-1.1.0.AppImage',
      sha256: sha256(build),
      size: build.length,
    });
    await waitFor('staged over the subscription', () => seen.some((s) => s.state.kind === 'staged'));
    expect(seen.map((s) => s.state.kind)).toEqual(expect.arrayContaining(['seen', 'verifying', 'staged']));
    await expect(callApply(c)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    expect(applied).toEqual([]);
    expect(await callApply(splash)).toEqual({ applying: '1.1.0' });
    expect(applied).toEqual(['1.1.0']);
  });

  it('check re-reads the share and answers with the resulting state', async () => {
    const { dir, caller } = await setup();
    await dropVersion(dir, { version: '0.9.0', file: 'Aether-0.9.0.AppImage', sha256: sha256('x'), size: 1 });
    const status = await caller().check();
    expect(status.state).toMatchObject({ kind: 'idle', note: expect.stringContaining('downgrades are refused') });
  });

  it('refuses pages that are not the launcher', async () => {
    const { caller } = await setup();
    const err = await caller(STRANGER)
      .status()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TRPCError);
    expect(err).toMatchObject({ code: 'FORBIDDEN' });
  });
});
