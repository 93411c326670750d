import { chmod, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { followEventFiles } from '../core/event-files';
import { createIdentityStream } from '../core/identity';
import { startSimulator } from '../apps/simulator/index';
import type { EventFile } from '../contracts/api';
import { MAX_FILES_PER_CALL } from '../contracts/cache';
import { createBootstrap } from '../provisioning/bootstrap';
import { createEventFileList, EVENT_FILES_FILE } from '../provisioning/event-file-list';
import { MemorySecretStore } from '../provisioning/secret-store';
import { createStateStore } from '../provisioning/state-store';
import { captureLogger } from './fakes/services';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

function file(i: number, eventId = 'ev_1'): EventFile {
  return {
    event_file_id: `ef_${i}`,
    event_id: eventId,
    filename: `Talk ${i}.pptx`,
    sha256: i.toString(16).padStart(64, '0'),
    size: 1000 + i,
    updated_at: '2026-11-01T09:00:00.000Z',
  };
}

function listOver(
  dir: string,
  fetch: (eventId: string) => Promise<EventFile[]>,
  eventId: () => string | null = () => 'ev_1',
) {
  let clock = 1_000_000;
  const capture = captureLogger();
  const list = createEventFileList({
    eventId,
    fetch,
    file: path.join(dir, EVENT_FILES_FILE),
    now: () => clock,
    logger: capture.logger,
  });
  return { list, capture, advance: (ms: number) => (clock += ms) };
}

describe('the event file list the main process keeps', () => {
  it('asks the API at most once per 30 s unless forced, one request at a time, and keeps the last list when a fetch fails', async () => {
    const dir = await cleanups.tempDir('event-files');
    let calls = 0;
    let fail = false;
    const { list, advance } = listOver(dir, async () => {
      calls += 1;
      if (fail) throw new Error('API unreachable');
      return [file(1), file(2)];
    });
    expect(list.current()).toBeNull();
    await Promise.all(Array.from({ length: 50 }, () => list.refresh()));
    expect(calls).toBe(1);
    for (let i = 0; i < 100; i += 1) await list.refresh();
    expect(calls).toBe(1);
    advance(30_000);
    await list.refresh();
    expect(calls).toBe(2);
    fail = true;
    await list.refresh({ force: true });
    expect(calls).toBe(3);
    expect(list.current()?.map((f) => f.event_file_id)).toEqual(['ef_1', 'ef_2']);
  });

  it('keeps the last good list on disk for an offline start, for its own event only', async () => {
    const dir = await cleanups.tempDir('event-files');
    await listOver(dir, async () => [file(1), file(2), file(3)]).list.refresh({ force: true });
    const saved = JSON.parse(await readFile(path.join(dir, EVENT_FILES_FILE), 'utf8'));
    expect(saved).toMatchObject({ version: 1, event_id: 'ev_1', items: [{ event_file_id: 'ef_1' }, {}, {}] });

    const offline = listOver(dir, async () => Promise.reject(new Error('offline'))).list;
    await offline.load();
    expect(offline.current()).toHaveLength(3);
    const moved = listOver(
      dir,
      async () => Promise.reject(new Error('offline')),
      () => 'ev_other',
    ).list;
    await moved.load();
    expect(moved.current()).toBeNull();
  });

  it('a kept list that is not a regular file, too big, unreadable or not a list is no list, never a crash', async () => {
    const dir = await cleanups.tempDir('event-files');
    const target = path.join(dir, EVENT_FILES_FILE);
    const cases: [string, () => Promise<void>][] = [
      ['garbage', () => writeFile(target, '{"version":1,"event_id":"ev_1","items":"all"}')],
      ['not json', () => writeFile(target, '{{{')],
      [
        'symlink',
        async () => {
          await writeFile(
            path.join(dir, 'elsewhere.json'),
            JSON.stringify({ version: 1, event_id: 'ev_1', fetched_at: '2026-11-01T09:00:00.000Z', items: [file(1)] }),
          );
          await symlink(path.join(dir, 'elsewhere.json'), target);
        },
      ],
      [
        'unreadable',
        async () => {
          await writeFile(
            target,
            JSON.stringify({ version: 1, event_id: 'ev_1', fetched_at: '2026-11-01T09:00:00.000Z', items: [file(1)] }),
          );
          await chmod(target, 0);
        },
      ],
    ];
    for (const [what, make] of cases) {
      await import('node:fs/promises').then((fs) => fs.rm(target, { force: true }));
      await make();
      const { list, capture } = listOver(dir, async () => []);
      await list.load();
      // root reads a mode-000 file anyway; then the content is a valid list of its own event.
      if (what === 'unreadable' && process.getuid?.() === 0) continue;
      expect(list.current(), what).toBeNull();
      expect(capture.messages(), what).toContain('the kept event file list is not usable; waiting for the API');
    }
  });

  it(`follows at most ${MAX_FILES_PER_CALL} files of a list, whatever the API sends`, async () => {
    const dir = await cleanups.tempDir('event-files');
    const { list, capture } = listOver(dir, async () =>
      Array.from({ length: MAX_FILES_PER_CALL + 500 }, (_, i) => file(i)),
    );
    await list.refresh({ force: true });
    expect(list.current()).toHaveLength(MAX_FILES_PER_CALL);
    expect(capture.messages()).toContain('the event file list is longer than the cache follows; the rest is ignored');
  });
});

describe("the core's event file list", () => {
  it('fetches the list with the device credentials once bootstrap is ready, keeps it, and makes it the cache list', async () => {
    const simulator = await startSimulator();
    cleanups.push(() => simulator.close());
    const dir = await cleanups.tempDir('event-files-wiring');
    const seedPath = path.join(dir, 'seed.json');
    await writeFile(seedPath, JSON.stringify(simulator.demoSeed()));
    const none = path.join(dir, 'none.json');
    const { logger } = captureLogger();
    const bootstrap = createBootstrap({
      discovery: { seedArg: seedPath, env: {}, packaged: true, paths: { devSeedPath: none, seedConfigPath: none } },
      defaultApiUrl: simulator.url,
      stateStore: createStateStore({ stateDir: path.join(dir, 'state'), logger }),
      secretStore: new MemorySecretStore(),
      logger,
    });
    cleanups.push(() => bootstrap.stop());
    const ensured: { sha256: string }[][] = [];
    const identity = createIdentityStream(bootstrap, () => ({ seedMissing: false, searched: [] }));
    cleanups.push(async () => identity.close());
    const wired = followEventFiles({
      identity,
      listEventFiles: (id) => bootstrap.api().listEventFiles(id),
      stateDir: path.join(dir, 'state'),
      cache: { ensure: ({ files }: { files: { sha256: string }[] }) => (ensured.push(files), undefined as never) },
      logger,
    });
    cleanups.push(() => wired.close());
    expect(wired.list.current()).toBeNull();
    await bootstrap.run();
    for (let i = 0; i < 200 && wired.list.current() === null; i += 1) await new Promise((r) => setTimeout(r, 25));
    expect(wired.list.current()?.map((f) => f.sha256)).toEqual(simulator.demo.files.map((f) => f.sha256));
    // The cache gets the whole list, in the order the room needs it (running session first), so compare as sets.
    expect(
      ensured
        .at(-1)
        ?.map((f) => f.sha256)
        .sort(),
    ).toEqual(simulator.demo.files.map((f) => f.sha256).sort());
    expect(simulator.stats.requests('/v3/crud/event_file')).toBeGreaterThanOrEqual(1);
    for (let i = 0; i < 200; i += 1) {
      if (
        await readFile(path.join(dir, 'state', EVENT_FILES_FILE), 'utf8').then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(JSON.parse(await readFile(path.join(dir, 'state', EVENT_FILES_FILE), 'utf8')).items).toHaveLength(
      simulator.demo.files.length,
    );
  });
});
