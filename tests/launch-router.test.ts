import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { TRPCError } from '@trpc/server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Platform } from '../base/platform';
import { silentLogger } from '../base/logger';
import { OpenFailedError } from '../kiosk/launch-handover';
import { createLaunchService } from '../kiosk/launch-service';
import type { CommandRunner } from '../base/command-runner';
import { launchRouter } from '../router/launch';
import { createCallerFactory, type SenderInfo } from '../router/trpc';
import { fakeServices, unusedService } from './fakes/services';
import { type CacheFixture, listTree, makeCache, makeTempDir, sha256Of } from './launch-fixtures';

const LAUNCHER: SenderInfo = {
  webContentsId: 1,
  role: 'kiosk',
  isMainFrame: true,
  origin: 'https://summit.example-events.com',
  url: 'https://summit.example-events.com/events/e/launcher/l',
};
const STRANGER: SenderInfo = { ...LAUNCHER, origin: 'https://evil.example', url: 'https://evil.example/' };

let base: string;
let cache: CacheFixture;
let opened: string[];
let ran: { file: string; args: readonly string[] }[];
let openerFailure: string | null;
/** The event's file list as the API gave it (the only source of names). */
let listed: { event_file_id: string; sha256: string; filename: string }[];

async function addListed(bytes: Buffer, filename: string) {
  const added = await cache.add(bytes);
  listed.push({ event_file_id: `ef_${listed.length}`, sha256: added.sha256, filename });
  return added;
}

const recordingRunner: CommandRunner = async (file, args) => {
  ran.push({ file, args });
  return { exitCode: 1, stdout: '', stderr: '' };
};

function callerFor(sender: SenderInfo | null, platform: Platform = 'darwin') {
  const launch = createLaunchService({
    platform,
    cache: cache.lookup,
    tempRoot: () => path.join(base, 'launch'),
    opener: async (p) => {
      if (openerFailure) throw new OpenFailedError(p, openerFailure);
      opened.push(p);
    },
    run: recordingRunner,
    eventFiles: () => listed,
  });
  const services = fakeServices({
    logger: silentLogger(),
    senderPolicy: { isAllowed: (s: SenderInfo) => s.origin === LAUNCHER.origin },
    device: unusedService('device'),
    launch,
  });
  return createCallerFactory(launchRouter)({ sender, services });
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return (error as TRPCError).code;
}

beforeEach(async () => {
  base = await makeTempDir('launch-router');
  cache = await makeCache(path.join(base, 'cache'));
  opened = [];
  ran = [];
  openerFailure = null;
  listed = [];
});

afterEach(async () => {
  await fs.rm(base, { recursive: true, force: true });
});

describe('launch router', () => {
  it('opens a cached file through the handover under its listed name and answers with the copy it opened', async () => {
    const bytes = randomBytes(4096);
    const { sha256 } = await addListed(bytes, '../Keynote.pptx');
    const result = await callerFor(LAUNCHER).open({ sha256, filename: 'whatever-the-page-says.exe' });
    expect(result).toEqual({ filename: '_Keynote.pptx', copy: 'created' });
    expect(opened).toEqual([path.join(base, 'launch', sha256.slice(0, 16), '_Keynote.pptx')]);
    expect((await fs.readFile(opened[0]!)).equals(bytes)).toBe(true);
  });

  it('refuses a 10,000-character name with BAD_REQUEST before anything is looked up', async () => {
    const { sha256 } = await addListed(randomBytes(16), 'a.pptx');
    expect(await codeOf(callerFor(LAUNCHER).open({ sha256, filename: 'x'.repeat(10_000) }))).toBe('BAD_REQUEST');
    expect(await listTree(path.join(base, 'launch'))).toEqual([]);
  });

  it.each(['ABCD', 'f'.repeat(63), 'F'.repeat(64), `${'0'.repeat(62)}/.`, 42, null])(
    'refuses the hash %j with BAD_REQUEST',
    async (sha256) => {
      expect(await codeOf(callerFor(LAUNCHER).open({ sha256: sha256 as string, filename: 'a.pptx' }))).toBe(
        'BAD_REQUEST',
      );
    },
  );

  it('refuses an empty or non-string file name with BAD_REQUEST', async () => {
    const { sha256 } = await addListed(randomBytes(16), 'a.pptx');
    expect(await codeOf(callerFor(LAUNCHER).open({ sha256, filename: '' }))).toBe('BAD_REQUEST');
    expect(await codeOf(callerFor(LAUNCHER).open({ sha256, filename: ['a'] as unknown as string }))).toBe(
      'BAD_REQUEST',
    );
  });

  it('answers NOT_FOUND for a listed hash that is not in the cache yet', async () => {
    listed.push({ event_file_id: 'ef_nope', sha256: sha256Of(Buffer.from('nope')), filename: 'a.pptx' });
    expect(await codeOf(callerFor(LAUNCHER).open({ sha256: sha256Of(Buffer.from('nope')), filename: 'a.pptx' }))).toBe(
      'NOT_FOUND',
    );
    expect(opened).toEqual([]);
  });

  it('answers PRECONDITION_FAILED with the OS reason when nothing can open the file', async () => {
    const { sha256 } = await addListed(randomBytes(16), 'a.key');
    openerFailure = 'No application is associated with this file type';
    const error = await callerFor(LAUNCHER)
      .open({ sha256 })
      .catch((e: unknown) => e);
    expect((error as TRPCError).code).toBe('PRECONDITION_FAILED');
    expect((error as TRPCError).message).toContain('No application is associated');
  });

  it('refuses callers that are not the launcher page with FORBIDDEN, before doing anything', async () => {
    const { sha256 } = await addListed(randomBytes(16), 'a.pptx');
    expect(await codeOf(callerFor(STRANGER).open({ sha256, filename: 'a.pptx' }))).toBe('FORBIDDEN');
    expect(await codeOf(callerFor(null).closePresentations({ app: 'powerpoint' }))).toBe('FORBIDDEN');
    expect(opened).toEqual([]);
    expect(ran).toEqual([]);
  });

  it('closes presentation apps only by enum id, through the fixed command of the platform', async () => {
    expect(await callerFor(LAUNCHER, 'darwin').closePresentations({ app: 'keynote' })).toEqual({
      app: 'keynote',
      outcome: 'not-running',
    });
    expect(ran).toEqual([{ file: 'killall', args: ['-INT', 'Keynote'] }]);
    expect(await codeOf(callerFor(LAUNCHER).closePresentations({ app: 'Keynote; reboot' as never }))).toBe(
      'BAD_REQUEST',
    );
    expect(await codeOf(callerFor(LAUNCHER).closePresentations({ app: 'finder' as never }))).toBe('BAD_REQUEST');
    expect(ran).toHaveLength(1);
  });

  it('runs automation on macOS and only reports elsewhere', async () => {
    await expect(
      callerFor(LAUNCHER, 'darwin').automation({ action: 'powerpoint.startSlideshow' }),
    ).rejects.toMatchObject({ code: 'PRECONDITION_FAILED' });
    expect(ran.map((r) => r.file)).toEqual(['osascript']);
    expect(await callerFor(LAUNCHER, 'linux').automation({ action: 'keynote.startSlideshow' })).toMatchObject({
      ran: false,
    });
    expect(await codeOf(callerFor(LAUNCHER, 'darwin').automation({ action: 'do shell script' as never }))).toBe(
      'BAD_REQUEST',
    );
    expect(ran).toHaveLength(1);
  });
});
