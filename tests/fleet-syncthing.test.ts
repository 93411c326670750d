import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { startSimulator } from '../apps/simulator/index';
import { silentLogger } from '../base/logger';
import { execFileRunner } from '../base/command-runner';
import { waitForSeed } from '../provisioning/zero-touch';
import { openPresentationLog } from '../update-helper/presentation-log';
import { stageBuild } from '../update-helper/staging';
import type { UpdateState } from '../update-helper/update-state';
import { createVersionWatcher, type VersionWatcher } from '../update-helper/version-watcher';
import { captureIo } from './cli-io-helpers';
import { startAgentProcess } from './support/agent-process';
import { useCleanups } from './support/cleanups';
import { makeTempDir } from './share-watcher-helpers';
import { startSyncthingFleet, type SyncthingFleet, waitFor } from './support/syncthing';
import { sha256 } from './version-watcher-fixtures';

/**
 * The fleet through real Syncthing daemons on loopback (ops node and laptop nodes, one shared
 * folder): what ops does on its node reaches the laptops only through Syncthing. Assertions are on
 * outcomes; waits are bounded and generous, never timed.
 */
const agentCleanups = useCleanups();
let root: { dir: string; cleanup: () => Promise<void> };
let fleet: SyncthingFleet;
const watchers: VersionWatcher[] = [];
const laptops: Array<{ watcher: VersionWatcher; states: UpdateState[] }> = [];

beforeAll(async () => {
  root = await makeTempDir('syncthing');
  fleet = await startSyncthingFleet({
    root: root.dir,
    nodes: [{ name: 'ops' }, { name: 'lectern-a' }, { name: 'lectern-b', type: 'receiveonly' }],
  });
}, 90_000);

afterAll(async () => {
  for (const watcher of watchers.splice(0)) await watcher.close();
  await fleet?.stop();
  await root?.cleanup();
}, 60_000);

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** A laptop's version watcher on its node's share, staging for real next to an installed AppImage. */
async function laptopWatcher(node: string, appVersion: string) {
  const share = fleet.node(node).folder;
  const install = path.join(root.dir, `install-${node}`);
  await mkdir(install, { recursive: true });
  const installPath = path.join(install, 'Aether.AppImage');
  await writeFile(installPath, `installed ${appVersion}`);
  const staged: Array<{ version: string; sha256: string; bytes: string }> = [];
  const states: UpdateState[] = [];
  const watcher = createVersionWatcher({
    target: 'linux-x64',
    shareRoot: share,
    appVersion,
    hostname: node,
    logger: silentLogger(),
    stage: async (build, signal) => {
      const manifest = await stageBuild(
        { platform: 'linux', installPath, appVersion, run: execFileRunner(), logger: silentLogger() },
        build,
        signal,
      );
      staged.push({
        version: manifest.version,
        sha256: manifest.sha256,
        bytes: sha256(await readFile(manifest.staged_path)),
      });
      return manifest;
    },
    applyStagedUpdate: async () => undefined,
    watch: { debounceMs: 50, rescanMs: 1_000 },
  });
  watcher.subscribe((status) => states.push(status.state));
  watchers.push(watcher);
  laptops.push({ watcher, states });
  await watcher.start();
  return { watcher, staged, states };
}

describe('the fleet on real Syncthing', () => {
  it('a seed provisioned on the ops node reaches the laptop, and zero-touch provisions from it', async () => {
    const ops = fleet.node('ops').folder;
    const provisioned = await cli([
      'provision',
      '--share',
      ops,
      '--hostname',
      'Lectern-A.local',
      '--device',
      'dev_lectern_a',
      '--api',
      'http://127.0.0.1:9',
    ]);
    expect(provisioned.code, provisioned.err).toBe(0);

    const seedConfigPath = path.join(root.dir, 'config-lectern-a', 'seed.json');
    const seed = await waitForSeed({
      shareCandidates: [fleet.node('lectern-a').folder],
      hostname: 'lectern-a',
      seedConfigPath,
      defaultApiUrl: 'http://127.0.0.1:9',
      logger: silentLogger(),
      signal: AbortSignal.timeout(60_000),
      watch: { debounceMs: 50, rescanMs: 1_000 },
    });
    expect(seed.seed.event_device_id).toBe('dev_lectern_a');
    expect(JSON.parse(await readFile(seedConfigPath, 'utf8')).event_device_id).toBe('dev_lectern_a');
  }, 90_000);

  it('a release published on the ops node is verified and staged by laptops, whatever order the files arrive in', async () => {
    const a = await laptopWatcher('lectern-a', '1.4.0');
    const b = await laptopWatcher('lectern-b', '1.4.0');
    const ops = fleet.node('ops').folder;
    const builds = path.join(root.dir, 'builds');
    await mkdir(builds, { recursive: true });
    const payload = randomBytes(24 * 1024 * 1024);
    const buildPath = path.join(builds, 'Aether-1.5.0-linux-x64.AppImage');
    await writeFile(buildPath, payload);

    const released = await cli(['release', '--share', ops, '--file', buildPath, '--version', '1.5.0']);
    expect(released.code, released.err).toBe(0);

    for (const laptop of [a, b]) {
      await waitFor('the laptop to stage 1.5.0', async () => laptop.watcher.status().state.kind === 'staged', 90_000);
      // Staged exactly once, from whole, verified bytes: never from a half-synced payload.
      expect(laptop.staged).toEqual([{ version: '1.5.0', sha256: sha256(payload), bytes: sha256(payload) }]);
      expect(laptop.states.some((s) => s.kind === 'failed')).toBe(false);
    }
  }, 150_000);

  it('version.json that arrives before its build is waited for, never treated as an error', async () => {
    const { watcher: laptop, states } = laptops[0]!;
    const ops = fleet.node('ops').folder;
    const nativeApp = path.join(ops, 'binaries', 'native_app');
    const payload = randomBytes(16 * 1024 * 1024);
    const file = 'Aether-1.6.0-linux-x64.AppImage';
    // The wrong order on purpose: the version first, the payload only once the laptop has seen it.
    await writeFile(
      path.join(nativeApp, 'version.json'),
      JSON.stringify({ version: '1.6.0', file, sha256: sha256(payload), size: payload.length }),
    );
    await waitFor(
      'the laptop to see 1.6.0 without its payload',
      async () => {
        const state = laptop.status().state;
        return state.kind !== 'staged' || state.version !== '1.5.0';
      },
      60_000,
    );
    expect(laptop.status().state.kind).not.toBe('failed');
    await writeFile(path.join(nativeApp, file), payload);
    await waitFor(
      'the laptop to stage 1.6.0',
      async () => {
        const state = laptop.status().state;
        return state.kind === 'staged' && state.version === '1.6.0';
      },
      90_000,
    );
    const waited = states.filter((s) => s.kind === 'waiting-for-payload' && s.version === '1.6.0');
    expect(waited.length).toBeGreaterThan(0);
    expect(states.some((s) => s.kind === 'failed')).toBe(false);
  }, 150_000);

  it('a conflict copy in the share neither shows up as a laptop nor confuses the version watcher', async () => {
    const ops = fleet.node('ops');
    const laptop = fleet.node('lectern-a');
    await fleet.waitUntilInSync(60_000);
    const statusDir = (node: typeof ops) => path.join(node.folder, 'status');
    await mkdir(statusDir(ops), { recursive: true });
    const record = (note: string) =>
      JSON.stringify({
        hostname: 'lectern-a',
        event_device_id: 'dev_lectern_a',
        app_version: '1.4.0',
        last_seen: new Date().toISOString(),
        state: 'ready',
        api: null,
        cache: { files: 1, bytes: 1, missing: 0 },
        update: { available: null, staged: null, last_error: note },
      });
    await writeFile(path.join(statusDir(ops), 'lectern-a.json'), record('first'));
    await waitFor(
      'the status file on the laptop',
      async () => (await readdir(statusDir(laptop)).catch((): string[] => [])).includes('lectern-a.json'),
      60_000,
    );

    // Both sides edit the same file while disconnected: Syncthing keeps one and a conflict copy.
    await ops.rest(`/rest/system/pause?device=${laptop.deviceId}`, { method: 'POST' });
    await writeFile(path.join(statusDir(ops), 'lectern-a.json'), record('from ops'));
    await writeFile(path.join(statusDir(laptop), 'lectern-a.json'), record('from the laptop'));
    await ops.rest(`/rest/system/resume?device=${laptop.deviceId}`, { method: 'POST' });
    await waitFor(
      'a conflict copy on the ops node',
      async () => (await readdir(statusDir(ops))).some((name) => name.includes('.sync-conflict-')),
      90_000,
    );

    const table = await cli(['fleet', 'status', '--share', ops.folder, '--json']);
    expect(table.code === 0 || table.code === 1, table.err).toBe(true);
    const parsed = JSON.parse(table.out) as unknown;
    const rows = (Array.isArray(parsed) ? parsed : ((parsed as { laptops?: unknown[] }).laptops ?? [])) as Array<{
      hostname: string;
    }>;
    expect(rows.map((row) => row.hostname)).toEqual(['lectern-a']);
    expect(watchers[0]!.status().state.kind).toBe('staged');
  }, 150_000);

  it('proof of presentation kept through a Syncthing outage reaches ops with every open exactly once', async () => {
    const ops = fleet.node('ops');
    const laptop = fleet.node('lectern-a');
    await mkdir(path.join(laptop.folder, 'status'), { recursive: true });
    const log = await openPresentationLog({
      journalPath: path.join(root.dir, 'state-lectern-a', 'presentations.jsonl'),
      shareRoot: laptop.folder,
      hostname: 'lectern-a',
      logger: silentLogger(),
    });
    const open = (n: number) => ({
      event_device_id: 'dev_lectern_a',
      event_file_id: `ef_${n}`,
      sha256: sha256(`deck ${n}`),
      filename: `Deck ${n}.pptx`,
    });
    const opsLines = async () =>
      (await readFile(path.join(ops.folder, 'status', 'lectern-a.presentations.jsonl'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { seq: number }).seq);

    await ops.rest(`/rest/system/pause?device=${laptop.deviceId}`, { method: 'POST' });
    for (let n = 1; n <= 3; n++) await log.record(open(n));
    expect(await log.deliver()).toEqual({ kind: 'delivered', lines: 3 });
    await log.record(open(4));
    await ops.rest(`/rest/system/resume?device=${laptop.deviceId}`, { method: 'POST' });
    expect(await log.deliver()).toEqual({ kind: 'delivered', lines: 1 });
    await waitFor('four opens on the ops node', async () => (await opsLines()).length === 4, 90_000);
    await log.record(open(5));
    await log.deliver();
    await log.deliver();
    await waitFor('five opens on the ops node', async () => (await opsLines()).length === 5, 90_000);
    expect(await opsLines()).toEqual([1, 2, 3, 4, 5]);
  }, 150_000);

  it('a receive-only laptop with local changes ("locally changed") still receives releases', async () => {
    const laptop = fleet.node('lectern-b');
    await writeFile(path.join(laptop.folder, 'local-note.txt'), 'written on the laptop');
    await waitFor(
      'Syncthing to report the local change',
      async () => {
        const status = await laptop.rest<{ receiveOnlyChangedFiles: number }>(
          `/rest/db/status?folder=${fleet.folderId}`,
        );
        return status.receiveOnlyChangedFiles > 0;
      },
      60_000,
    );
    const b = watchers[1]!;
    await waitFor(
      'the receive-only laptop to stage 1.6.0',
      async () => {
        const state = b.status().state;
        return state.kind === 'staged' && state.version === '1.6.0';
      },
      90_000,
    );
    // Its local file never reaches the ops node.
    expect((await readdir(fleet.node('ops').folder)).includes('local-note.txt')).toBe(false);
  }, 150_000);

  it('provision on the ops node -> the headless agent on a laptop node bootstraps and reports -> ops sees it in fleet status', async () => {
    const sim = await startSimulator();
    try {
      const ops = fleet.node('ops');
      const laptop = fleet.node('lectern-a');
      const keyFile = path.join(root.dir, 'podium.key');
      await writeFile(keyFile, String(sim.demoSeed().aether_api_key));
      const provisioned = await cli([
        'provision',
        '--share',
        ops.folder,
        '--hostname',
        'Podium-A',
        '--device',
        sim.demoSeed().event_device_id,
        '--api',
        sim.url,
        '--key-file',
        keyFile,
      ]);
      expect(provisioned.code, provisioned.err).toBe(0);
      const home = path.join(root.dir, 'agent-home');
      await mkdir(home, { recursive: true });
      const agent = startAgentProcess(
        agentCleanups,
        [
          '--share',
          laptop.folder,
          '--hostname',
          'podium-a',
          '--cache-dir',
          path.join(root.dir, 'agent-cache'),
          '--state-dir',
          path.join(root.dir, 'agent-state'),
        ],
        { HOME: home },
      );
      await agent.waitFor('ready', (l) => l.msg === 'identity' && l.online === true);
      let row: { hostname: string; state: string; event_device_id: string | null } | undefined;
      await waitFor(
        'podium-a in the ops node fleet status',
        async () => {
          const table = await cli(['fleet', 'status', '--share', ops.folder, '--json']);
          const parsed = JSON.parse(table.out) as {
            laptops: Array<{ hostname: string; state: string; event_device_id: string | null }>;
          };
          row = parsed.laptops.find((l) => l.hostname === 'podium-a' && l.state === 'ready');
          return row !== undefined;
        },
        90_000,
      );
      expect(row?.event_device_id).toBe(sim.demoSeed().event_device_id);
      agent.child.kill('SIGTERM');
      expect(await agent.exited).toEqual({ code: 0, signal: null });
    } finally {
      await sim.close();
    }
  }, 150_000);
});
