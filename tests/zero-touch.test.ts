import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { waitForSeed, zeroTouchBootstrapState, type ZeroTouchState } from '../provisioning/zero-touch';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

const GOOD = `${JSON.stringify({ event_device_id: 'dbgMWS3KEHE', primary_api_base_url: 'https://api.example-events.com', aether_api_key: 'k-123456' })}\n`;

async function setup(opts: { createShare?: boolean } = {}) {
  const home = await cleanups.tempDir('zt');
  const share = path.join(home, 'admin_share');
  const seeds = path.join(share, 'seeds');
  if (opts.createShare !== false) await mkdir(seeds, { recursive: true });
  const seedConfigPath = path.join(home, '.config', 'aether', 'seed.json');
  const states: ZeroTouchState[] = [];
  const controller = new AbortController();
  cleanups.push(async () => controller.abort());
  const candidates = [path.join(home, 'admin_share'), path.join(home, 'Sync', 'admin_share')];
  const start = () =>
    waitForSeed({
      shareCandidates: candidates,
      hostname: 'lectern-a',
      seedConfigPath,
      defaultApiUrl: 'https://api.default.example',
      logger: silentLogger(),
      onState: (s) => states.push(s),
      signal: controller.signal,
      watch: { debounceMs: 40 },
    });
  return { home, share, seeds, seedConfigPath, states, controller, start, candidates };
}

const exists = (p: string) =>
  stat(p).then(
    () => true,
    () => false,
  );

describe('zero-touch provisioning against real folders', () => {
  it('shows the exact file and folder it waits for, then copies a seed that appears whole', async () => {
    const { seeds, seedConfigPath, states, start } = await setup();
    const done = start();
    await waitFor('the waiting state', () => states[0]);
    expect(states[0]).toEqual({ kind: 'waiting', folder: seeds, file: 'seed_lectern-a.json' });
    expect(zeroTouchBootstrapState(states[0] as Extract<ZeroTouchState, { kind: 'waiting' }>)).toEqual({
      kind: 'seeking-seed',
      waitingFor: { folder: seeds, file: 'seed_lectern-a.json' },
    });
    await writeFile(path.join(seeds, 'seed_other-laptop.json'), GOOD.replace('dbgMWS3KEHE', 'other'));
    await writeFile(path.join(seeds, 'seed_lectern-a.json'), GOOD);
    const loaded = await done;
    expect(loaded.seed.event_device_id).toBe('dbgMWS3KEHE');
    expect(loaded.path).toBe(seedConfigPath);
    expect(await readFile(seedConfigPath, 'utf8')).toBe(GOOD);
    expect((await stat(seedConfigPath)).mode & 0o777).toBe(0o600);
    expect(states.at(-1)).toEqual({ kind: 'provisioned', seedPath: seedConfigPath, source: 'share' });
  });

  it('ignores the seed while it is a Syncthing temp file and takes it once renamed', async () => {
    const { seeds, seedConfigPath, states, start } = await setup();
    const done = start();
    await waitFor('the waiting state', () => states[0]);
    const temp = path.join(seeds, '.syncthing.seed_lectern-a.json.tmp');
    await writeFile(temp, GOOD.slice(0, 20));
    await new Promise((r) => setTimeout(r, 150));
    expect(await exists(seedConfigPath)).toBe(false);
    await writeFile(temp, GOOD);
    await rename(temp, path.join(seeds, 'seed_lectern-a.json'));
    await done;
    expect(await readFile(seedConfigPath, 'utf8')).toBe(GOOD);
    expect(states.filter((s) => s.kind === 'waiting' && s.problem)).toEqual([]);
  });

  it("takes only the exact file name, not look-alikes, conflict copies or other hosts' seeds", async () => {
    const { seeds, seedConfigPath, states, start } = await setup();
    const done = start();
    await waitFor('the waiting state', () => states[0]);
    const lookAlikes = [
      'SEED_LECTERN-A.JSON',
      'seed_lectern-a.json ',
      'seed_lectern-a.json\n',
      'seed_lectern-a.json.bak',
      'seed_lectern-a.sync-conflict-20261122-101010-ABCDEFG.json',
      '~syncthing~seed_lectern-a.json.tmp',
      'seed_lectern-a2.json',
    ];
    for (const name of lookAlikes) await writeFile(path.join(seeds, name), GOOD.replace('dbgMWS3KEHE', 'WRONG'));
    await mkdir(path.join(seeds, 'seed_lectern-a.json.d'));
    await new Promise((r) => setTimeout(r, 200));
    expect(await exists(seedConfigPath)).toBe(false);
    await writeFile(path.join(seeds, 'seed_lectern-a.json'), GOOD);
    expect((await done).seed.event_device_id).toBe('dbgMWS3KEHE');
  });

  it('reports an invalid seed, never copies it, and takes the corrected one', async () => {
    const { seeds, seedConfigPath, states, start } = await setup();
    const done = start();
    await writeFile(path.join(seeds, 'seed_lectern-a.json'), '{"event_device_id": "bad id!"}');
    const invalid = await waitFor('the problem to be reported', () =>
      states.find((s) => s.kind === 'waiting' && s.problem),
    );
    expect(invalid).toMatchObject({ problem: expect.stringContaining('event_device_id') });
    expect(await exists(seedConfigPath)).toBe(false);
    await writeFile(path.join(seeds, 'seed_lectern-a.json'), '{"event_device_id": ');
    await waitFor('the JSON problem', () =>
      states.find((s) => s.kind === 'waiting' && s.problem?.includes('not valid JSON at line 1')),
    );
    expect(await exists(seedConfigPath)).toBe(false);
    await writeFile(path.join(seeds, 'seed_lectern-a.json'), GOOD);
    expect((await done).seed.event_device_id).toBe('dbgMWS3KEHE');
  });

  it('waits for a share that does not exist yet, at any of the candidate roots', async () => {
    const { home, seedConfigPath, states, start } = await setup({ createShare: false });
    const done = start();
    await waitFor('the waiting state', () => states[0]);
    expect(states[0]).toMatchObject({ folder: path.join(home, 'admin_share', 'seeds') });
    const synced = path.join(home, 'Sync', 'admin_share', 'seeds');
    await mkdir(synced, { recursive: true });
    await writeFile(path.join(synced, 'seed_lectern-a.json'), GOOD);
    await done;
    expect(await readFile(seedConfigPath, 'utf8')).toBe(GOOD);
  });

  it('lets a local seed win over the share and never overwrites it', async () => {
    const { seeds, seedConfigPath, states, start } = await setup();
    const done = start();
    await writeFile(path.join(seeds, 'seed_lectern-a.json'), '{}');
    await waitFor('the share seed to be refused', () => states.find((s) => s.kind === 'waiting' && s.problem));
    const local = `${JSON.stringify({ event_device_id: 'LOCAL1' })}\n`;
    await mkdir(path.dirname(seedConfigPath), { recursive: true });
    await writeFile(seedConfigPath, local);
    expect((await done).seed.event_device_id).toBe('LOCAL1');
    expect(states.at(-1)).toMatchObject({ kind: 'provisioned', source: 'local' });
    expect(await readFile(seedConfigPath, 'utf8')).toBe(local);
  });

  it('stops waiting when aborted', async () => {
    const { controller, states, start } = await setup();
    const done = start();
    await waitFor('the waiting state', () => states[0]);
    controller.abort(new Error('app quitting'));
    await expect(done).rejects.toThrow('app quitting');
  });
});
