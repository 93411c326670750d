import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../apps/simulator/index';
import { FleetStatus } from '../contracts/status-file';
import { startAgentProcess } from './support/agent-process';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();
const startAgent = (args: string[], env: Record<string, string>) => startAgentProcess(cleanups, args, env);

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

describe('aether-native agent (a real child process against the simulator)', () => {
  it('starts, reaches ready, fills the cache, writes its status file into the share, and exits 0 on SIGTERM with nothing half-written', async () => {
    const sim = await startSimulator();
    cleanups.push(() => sim.close());
    const dir = await cleanups.tempDir('agent');
    const [home, share, cache, state] = ['home', 'share', 'cache', 'state'].map((name) => path.join(dir, name)) as [
      string,
      string,
      string,
      string,
    ];
    await mkdir(home, { recursive: true });
    await mkdir(share, { recursive: true });
    const seed = path.join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify(sim.demoSeed()));

    const agent = startAgent(
      ['--seed', seed, '--share', share, '--hostname', 'Lectern-A.local', '--cache-dir', cache, '--state-dir', state],
      { HOME: home },
    );
    const identity = await agent.waitFor('ready', (l) => l.msg === 'identity' && l.online === true);
    expect(identity).toMatchObject({
      event_device_id: sim.demo.device.event_device_id,
      target_url: expect.stringContaining('/launcher/'),
    });
    const complete = await agent.waitFor('cache complete', (l) => l.msg.startsWith('cache complete'));
    const unique = new Set(sim.demo.files.map((f) => f.sha256));
    expect(complete.files).toBe(unique.size);

    agent.child.kill('SIGTERM');
    const bound = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 5_000).unref());
    const outcome = await Promise.race([agent.exited, bound]);
    expect(outcome).toEqual({ code: 0, signal: null });
    expect(agent.lines.map((l) => l.msg)).toContain('agent stopped');
    expect(agent.stderr()).toBe('');

    // The status file: named after the normalised --hostname, whole, and showing the final cache.
    const status = FleetStatus.parse(JSON.parse(await readFile(path.join(share, 'status', 'lectern-a.json'), 'utf8')));
    expect(status).toMatchObject({
      hostname: 'lectern-a',
      event_device_id: sim.demo.device.event_device_id,
      state: 'ready',
      cache: { files: unique.size, missing: 0 },
    });
    // Nothing half-written: no atomic-write temp file in the share, no partial download in the cache.
    const shareFiles = await filesUnder(share);
    expect(shareFiles).toEqual([path.join('status', 'lectern-a.json')]);
    const cacheFiles = await filesUnder(cache);
    expect(cacheFiles.filter((f) => f.endsWith('.tmp') || f.split(path.sep).includes('.tmp'))).toEqual([]);
    for (const sha of unique) expect(cacheFiles.some((f) => f.includes(sha))).toBe(true);
    // The run kept its last good record where --state-dir said, and no secret reached the log.
    expect(await filesUnder(state)).toContain('last-good.json');
    const apiKey = sim.demoSeed().aether_api_key;
    if (apiKey) expect(agent.lines.map((l) => JSON.stringify(l)).join('\n')).not.toContain(apiKey);
  });

  it('without a seed waits for seeds/seed_<--hostname>.json in the share (zero-touch), then bootstraps from it', async () => {
    const sim = await startSimulator();
    cleanups.push(() => sim.close());
    const dir = await cleanups.tempDir('agent-zero-touch');
    const [home, share] = ['home', 'share'].map((name) => path.join(dir, name)) as [string, string];
    await mkdir(path.join(share, 'seeds'), { recursive: true });
    await mkdir(home, { recursive: true });

    const agent = startAgent(
      [
        '--share',
        share,
        '--hostname',
        'podium-7',
        '--cache-dir',
        path.join(dir, 'cache'),
        '--state-dir',
        path.join(dir, 'state'),
      ],
      { HOME: home },
    );
    const waiting = await agent.waitFor(
      'waiting for the seed',
      (l) => l.msg.startsWith('no identity') && l.why === 'waiting-for-seed',
    );
    expect(waiting.msg).toContain('seed_podium-7.json');
    await writeFile(path.join(share, 'seeds', 'seed_podium-7.json'), JSON.stringify(sim.demoSeed()));
    await agent.waitFor('ready', (l) => l.msg === 'identity' && l.online === true);

    agent.child.kill('SIGINT');
    expect(await agent.exited).toEqual({ code: 0, signal: null });
    const status = FleetStatus.parse(JSON.parse(await readFile(path.join(share, 'status', 'podium-7.json'), 'utf8')));
    expect(status).toMatchObject({
      hostname: 'podium-7',
      state: 'ready',
      event_device_id: sim.demo.device.event_device_id,
    });
  });
});
