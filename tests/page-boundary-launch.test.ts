import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../apps/simulator/index';
import { DeviceRecord, type EventFile } from '../contracts/api';
import { shortHash } from '../kiosk/filename';
import { createLaunchService } from '../kiosk/launch-service';
import { openTypePolicy } from '../kiosk/open-types';
import { type CommandRunner, execFileRunner } from '../base/command-runner';
import { appRouter } from '../router/index';
import { createSenderLimits } from '../router/limits';
import { createSenderPolicy } from '../router/sender-policy';
import type { Services } from '../router/services';
import { createCallerFactory, type SenderInfo } from '../router/trpc';
import { resetFakeElectron, shell } from './fakes/electron';
import { fakeServices, unusedService } from './fakes/services';
import { listTree, makeCache, makeTempDir } from './launch-fixtures';
import { startDemoBridge, type DemoBridge } from './support/demo-bridge';
import { realPageServices, type RealPageServices } from './support/page-services';

/**
 * The launcher page boundary, `launch` half (issue 10): the page is remote content, so whatever it
 * sends, only a file of the event's own list (as the API gave it to the main process) is opened,
 * under the list's name, and only when that name is a document or media type. Real simulator, real
 * bootstrap, real cache and launch folder, the real router; the OS opener is the fake shell, counted.
 */

/** The 30 names of issue 10 plus the tricks around them. */
const DANGEROUS_NAMES = [
  'setup.exe',
  'run.bat',
  'run.cmd',
  'app.hta',
  'payload.js',
  'macro.vbs',
  'job.wsf',
  'Keynote.lnk',
  'site.url',
  'saver.scr',
  'install.msi',
  'script.ps1',
  'tool.jar',
  'shell.terminal',
  'run.command',
  'local.fileloc',
  'link.webloc',
  'link.inetloc',
  'install.pkg',
  'Keynote.app',
  'launcher.desktop',
  'run.sh',
  'page.html',
  'image.svg',
  'deck.pptx.exe',
  // right-to-left override: shown as "Keynotexe.pptx", opened as .exe
  'Keynote\u202Expptx.exe',
  'deck.exe.',
  'deck.exe  ',
  'DECK.EXE',
  'report.pdf.js',
] as const;
/** The type each of them is opened as, written out by hand (not computed by the code under test). */
const EXPECTED_TYPES = [
  'exe',
  'bat',
  'cmd',
  'hta',
  'js',
  'vbs',
  'wsf',
  'lnk',
  'url',
  'scr',
  'msi',
  'ps1',
  'jar',
  'terminal',
  'command',
  'fileloc',
  'webloc',
  'inetloc',
  'pkg',
  'app',
  'desktop',
  'sh',
  'html',
  'svg',
  'exe',
  'exe',
  'exe',
  'exe',
  'exe',
  'js',
];
/** More of the same kind: streams, zero-width and spaced tricks, other script types. */
const MORE_TRICKS = [
  'deck.pptx:evil.exe',
  'deck.exe::$DATA',
  'deck.e\u200Bxe',
  'deck.Sh',
  'notes.txt.vbe',
  'run.PY',
  'page.XHTML',
  'config.reg',
  'deck',
  'deck.exe\u3000',
];

const LISTED_DECK = 'Keynote Q3.pptx';

let simulator: Simulator;
let demo: DemoBridge;
let real: RealPageServices;
let deck: EventFile;
let dangerous: EventFile[];
let launcher: SenderInfo;
let clock: number;

function callerAs(sender: SenderInfo, limits = createSenderLimits({ now: () => clock })) {
  const services: Services = fakeServices({
    logger: demo.logger,
    senderPolicy: createSenderPolicy({
      kioskOrigins: () => demo.identity.allowedOrigins,
      splashUrl: 'file:///app/dist/splash/index.html',
    }),
    device: unusedService('device'),
    ...real.services,
    limits,
  });
  return createCallerFactory(appRouter)({ sender, services });
}

/** Bounded wait (30 s) until the sync loop has every listed file. */
async function allPresent(files: readonly EventFile[]): Promise<void> {
  const want = new Set(files.map((f) => f.sha256)).size;
  for (let i = 0; i < 600; i += 1) {
    if (real.cache.status(files.map((f) => f.sha256)).totals.present === want) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the cache did not get all ${want} listed files`);
}

beforeAll(async () => {
  simulator = await startSimulator({
    files: [
      { filename: LISTED_DECK, size: 64 * 1024 },
      ...[...DANGEROUS_NAMES, ...MORE_TRICKS].map((filename, i) => ({ filename, size: 1024 + i })),
    ],
  });
  [deck, ...dangerous] = simulator.demo.files as [EventFile, ...EventFile[]];
  demo = await startDemoBridge({
    simulator,
    kioskWebContentsId: 1,
    services: async (parts) => (real = await realPageServices(parts)).services,
  });
  const origin = new URL(demo.launcherUrl).origin;
  launcher = { webContentsId: 1, role: 'kiosk', isMainFrame: true, origin, url: demo.launcherUrl };
  // Every dangerous file really is in the cache: only the type check stands between it and the opener.
  await allPresent(simulator.demo.files);
}, 60_000);

afterAll(async () => {
  await real?.close();
  await demo?.close();
  await simulator?.close();
});

beforeEach(() => {
  resetFakeElectron();
  clock = 1_000_000;
});

describe('launch.open: the page names a file, the API list names the copy', () => {
  it.each(DANGEROUS_NAMES.map((n, i) => [JSON.stringify(n), i] as const))(
    'a listed, cached %s never reaches the opener: FORBIDDEN naming the type',
    async (_shown, i) => {
      const file = dangerous[i]!;
      const error = await callerAs(launcher)
        .launch.open({ sha256: file.sha256 })
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'FORBIDDEN' });
      expect((error as Error).message).toContain(`.${EXPECTED_TYPES[i]} files can run code`);
      expect(shell.opened).toEqual([]);
    },
  );

  it('all 30 names of the issue, and ten more tricks, make zero opener calls and no copy', async () => {
    const caller = callerAs(launcher, createSenderLimits({ now: () => (clock += 1000) }));
    const codes = [];
    for (const file of dangerous)
      codes.push(
        await caller.launch.open({ sha256: file.sha256, event_file_id: file.event_file_id }).then(
          () => 'opened',
          (e: { code: string }) => e.code,
        ),
      );
    expect(codes).toEqual(dangerous.map(() => 'FORBIDDEN'));
    expect(dangerous).toHaveLength(DANGEROUS_NAMES.length + MORE_TRICKS.length);
    expect(shell.opened).toHaveLength(0);
    const launchDir = path.join(demo.workDir, 'launch');
    for (const file of dangerous) expect(await listTree(path.join(launchDir, shortHash(file.sha256)))).toEqual([]);
  });

  it('a dangerous name sent by the page for a listed deck is ignored: the copy carries the listed name', async () => {
    const caller = callerAs(launcher, createSenderLimits({ now: () => (clock += 1000) }));
    for (const filename of [...DANGEROUS_NAMES, ...MORE_TRICKS]) {
      expect(await caller.launch.open({ sha256: deck.sha256, filename })).toMatchObject({ filename: LISTED_DECK });
    }
    expect(new Set(shell.opened)).toEqual(
      new Set([path.join(demo.workDir, 'launch', shortHash(deck.sha256), LISTED_DECK)]),
    );
  });

  it('100 names for one file make one copy in the launch folder', async () => {
    const caller = callerAs(launcher, createSenderLimits({ now: () => (clock += 1000) }));
    for (let i = 0; i < 100; i += 1) await caller.launch.open({ sha256: deck.sha256, filename: `copy ${i}.pptx` });
    expect(shell.opened).toHaveLength(100);
    expect(await listTree(path.join(demo.workDir, 'launch', shortHash(deck.sha256)))).toEqual([LISTED_DECK]);
  });

  it('a cached file the list does not have is refused with FORBIDDEN; an unknown event_file_id too', async () => {
    // Added to the API after the device fetched its list, and fetched into the cache by the main process itself.
    const late = await simulator.addFile({ filename: 'Late.pptx', size: 2048 });
    await real.cache.fetch({ sha256: late.sha256, size: late.size });
    const caller = callerAs(launcher);
    await expect(caller.launch.open({ sha256: late.sha256, filename: 'Late.pptx' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
      message: expect.stringContaining("not in this event's file list"),
    });
    await expect(caller.launch.open({ event_file_id: 'ef_does_not_exist' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(
      caller.launch.open({ sha256: deck.sha256, event_file_id: dangerous[0]!.event_file_id }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(caller.launch.open({} as never)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(shell.opened).toEqual([]);
  });

  it('opens by event_file_id alone, under the listed name', async () => {
    expect(await callerAs(launcher).launch.open({ event_file_id: deck.event_file_id })).toEqual({
      filename: LISTED_DECK,
      copy: expect.any(String),
    });
    expect(shell.opened).toHaveLength(1);
  });

  it('launch.open is rate-limited per window: 10 at once, then 1 per second (TOO_MANY_REQUESTS)', async () => {
    const caller = callerAs(launcher);
    for (let i = 0; i < 10; i += 1) await caller.launch.open({ sha256: deck.sha256 });
    await expect(caller.launch.open({ sha256: deck.sha256 })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
      message: expect.stringContaining('launch.open'),
    });
    // Another window has its own budget; this one regains a call after a second.
    expect(await callerAs({ ...launcher, webContentsId: 9 }).launch.open({ sha256: deck.sha256 })).toMatchObject({
      filename: LISTED_DECK,
    });
    clock += 1000;
    await caller.launch.open({ sha256: deck.sha256 });
    await expect(caller.launch.open({ sha256: deck.sha256 })).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
    expect(shell.opened).toHaveLength(12);
  });
});

describe('the device record can add document types, never executable ones', () => {
  it('launch_extra_types adds pptm and ignores exe, .SH, js and garbage', () => {
    const policy = openTypePolicy(['pptm', '.KEYNOTE', 'exe', '.SH', 'js', 'a b', 42, 'x'.repeat(30)]);
    expect(policy.check('deck.pptm')).toEqual({ allowed: true, type: 'pptm' });
    expect(policy.check('deck.keynote')).toEqual({ allowed: true, type: 'keynote' });
    for (const name of ['a.exe', 'a.sh', 'a.js']) expect(policy.check(name).allowed).toBe(false);
    expect(policy.refusedExtras.map((r) => r.value)).toEqual(['exe', '.SH', 'js', 'a b', '42', 'x'.repeat(30)]);
    expect(openTypePolicy().check('deck.pptm')).toMatchObject({
      allowed: false,
      type: 'pptm',
      reason: expect.stringContaining('launch_extra_types'),
    });
  });

  it('flows from the device record through the launch service: pptm opens, exe stays refused', async () => {
    const base = await makeTempDir('launch-extra');
    try {
      const cache = await makeCache(path.join(base, 'cache'));
      const pptm = await cache.add(randomBytes(100));
      const exe = await cache.add(randomBytes(101));
      const listed = [
        { event_file_id: 'ef_m', sha256: pptm.sha256, filename: 'Macro deck.pptm' },
        { event_file_id: 'ef_x', sha256: exe.sha256, filename: 'Macro deck.exe' },
      ];
      const opened: string[] = [];
      const launch = createLaunchService({
        platform: 'win32',
        cache: cache.lookup,
        tempRoot: () => path.join(base, 'launch'),
        opener: async (p) => void opened.push(p),
        run: execFileRunner(),
        eventFiles: () => listed,
        extraTypes: () => ['pptm', 'exe'],
      });
      expect(await launch.open({ event_file_id: 'ef_m' })).toMatchObject({ filename: 'Macro deck.pptm' });
      await expect(launch.open({ event_file_id: 'ef_x' })).rejects.toMatchObject({
        name: 'ForbiddenTypeError',
        type: 'exe',
      });
      expect(opened).toHaveLength(1);
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });

  it('a malformed launch_extra_types does not make the device record invalid; it is dropped', () => {
    const record = {
      event_device_id: 'd',
      event_id: 'e',
      event_location_id: 'l',
      app_base_url: 'https://x.example',
      mode: 'native',
    };
    expect(DeviceRecord.parse({ ...record, launch_extra_types: 'exe' }).launch_extra_types).toBeUndefined();
    expect(DeviceRecord.parse({ ...record, launch_extra_types: [1, 2] }).launch_extra_types).toBeUndefined();
    expect(DeviceRecord.parse({ ...record, launch_extra_types: ['pptm'] }).launch_extra_types).toEqual(['pptm']);
  });
});

describe('the launch folder is bounded', () => {
  async function setup(limits: { maxBytes: number; maxCopies: number }) {
    const base = await makeTempDir('launch-bound');
    const cache = await makeCache(path.join(base, 'cache'));
    const listed: { event_file_id: string; sha256: string; filename: string }[] = [];
    let t = 1_700_000_000_000;
    const opened: string[] = [];
    const launch = createLaunchService({
      platform: 'linux',
      cache: cache.lookup,
      tempRoot: () => path.join(base, 'launch'),
      opener: async (p) => void opened.push(p),
      run: execFileRunner(),
      eventFiles: () => listed,
      limits,
      now: () => (t += 1000),
    });
    const add = async (size: number, filename: string) => {
      const { sha256 } = await cache.add(randomBytes(size));
      listed.push({ event_file_id: `ef_${listed.length}`, sha256, filename });
      return sha256;
    };
    const usage = async () => {
      const files = await listTree(path.join(base, 'launch'));
      let bytes = 0;
      for (const f of files) bytes += (await fs.lstat(path.join(base, 'launch', f))).size;
      return { files, bytes };
    };
    return { base, launch, add, usage, opened };
  }

  it('prunes least recently opened copies under the byte cap, keeping the ones opened last', async () => {
    const MiB = 1024 * 1024;
    const { base, launch, add, usage } = await setup({ maxBytes: 3 * MiB, maxCopies: 100 });
    try {
      const hashes: string[] = [];
      for (let i = 0; i < 10; i += 1) hashes.push(await add(MiB, `talk ${i}.mp4`));
      for (const sha256 of hashes) await launch.open({ sha256 });
      // Re-opening talk 7 makes it the most recent; opening talk 0 again brings it back.
      await launch.open({ sha256: hashes[7]! });
      await launch.open({ sha256: hashes[0]! });
      const { files, bytes } = await usage();
      expect(bytes).toBeLessThanOrEqual(3 * MiB);
      expect(files.sort()).toEqual(
        [hashes[9]!, hashes[7]!, hashes[0]!]
          .map((h, _i) => path.join(shortHash(h), `talk ${hashes.indexOf(h)}.mp4`))
          .sort(),
      );
      expect(launch.openHashes().sort()).toEqual([hashes[9]!, hashes[7]!, hashes[0]!].sort());
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });

  it('never prunes the copy being opened, even when it alone is over the cap; the copy count is capped too', async () => {
    const { base, launch, add, usage } = await setup({ maxBytes: 100_000, maxCopies: 2 });
    try {
      const small = [await add(1000, 'a.pdf'), await add(1000, 'b.pdf'), await add(1000, 'c.pdf')];
      for (const sha256 of small) await launch.open({ sha256 });
      expect((await usage()).files).toHaveLength(2);
      const big = await add(300_000, 'film.mov');
      await launch.open({ sha256: big });
      const { files, bytes } = await usage();
      expect(files).toEqual([path.join(shortHash(big), 'film.mov')]);
      expect(bytes).toBe(300_000);
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });

  it('leaves folders it did not make alone', async () => {
    const { base, launch, add, usage } = await setup({ maxBytes: 1, maxCopies: 1 });
    try {
      await fs.mkdir(path.join(base, 'launch', 'notes'), { recursive: true });
      await fs.writeFile(path.join(base, 'launch', 'notes', 'keep.txt'), 'mine');
      await launch.open({ sha256: await add(10, 'a.pdf') });
      await launch.open({ sha256: await add(10, 'b.pdf') });
      expect((await usage()).files.filter((f) => f.startsWith('notes'))).toEqual([path.join('notes', 'keep.txt')]);
    } finally {
      await fs.rm(base, { recursive: true, force: true });
    }
  });
});

describe('closePresentations is coalesced', () => {
  it('10 concurrent calls run the close command once (a real killall), and all get its answer', async () => {
    const calls: string[] = [];
    const real = execFileRunner();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const counting: CommandRunner = async (file, args) => {
      calls.push(file);
      await gate;
      return real(file, args);
    };
    const launch = createLaunchService({
      platform: 'darwin',
      cache: { pathOf: () => null },
      tempRoot: () => '/nonexistent',
      opener: async () => undefined,
      run: counting,
      eventFiles: () => [],
    });
    const services = fakeServices({
      logger: demo.logger,
      senderPolicy: { isAllowed: () => true },
      device: unusedService('device'),
      launch,
      limits: createSenderLimits({ now: () => clock }),
    });
    const caller = createCallerFactory(appRouter)({ sender: launcher, services });
    const results = Array.from({ length: 10 }, () => caller.launch.closePresentations({ app: 'keynote' }));
    release();
    const settled = await Promise.all(results);
    expect(calls).toEqual(['killall']);
    expect(new Set(settled.map((r) => r.outcome)).size).toBe(1);
    // The budget: 10 calls at once were fine, the 11th is TOO_MANY_REQUESTS.
    await expect(caller.launch.closePresentations({ app: 'keynote' })).rejects.toMatchObject({
      code: 'TOO_MANY_REQUESTS',
    });
    expect(calls).toHaveLength(1);
  });
});
