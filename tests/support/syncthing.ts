import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Real Syncthing daemons (Debian's 1.19) on loopback for the fleet tests: one folder shared by every
 * node, static addresses, no discovery, relays, NAT, upgrades or usage reporting. The facts behind
 * each setting are in ../shared/recipes/syncthing.md; every folder setting is spelled out because a
 * hand-written config.xml gives zero values, not defaults, for missing ones (maxConflicts 0 loses edits).
 */
const run = promisify(execFile);

export type FolderType = 'sendreceive' | 'sendonly' | 'receiveonly';

export interface NodeSpec {
  name: string;
  type?: FolderType;
}

export interface SyncthingNode {
  name: string;
  deviceId: string;
  /** The shared folder on this node (the share root the app or the CLI sees). */
  folder: string;
  rest<T = unknown>(route: string, init?: { method?: string; body?: unknown }): Promise<T>;
}

export interface SyncthingFleet {
  folderId: string;
  nodes: SyncthingNode[];
  node(name: string): SyncthingNode;
  /** Resolves once every node's folder is idle and every peer has everything (bounded). */
  waitUntilInSync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface FleetOptions {
  /** Parent folder for the daemons' homes and the shared folders; the caller removes it. */
  root: string;
  nodes: NodeSpec[];
  folderId?: string;
  rescanIntervalS?: number;
}

interface Daemon {
  spec: Required<NodeSpec>;
  home: string;
  folder: string;
  deviceId: string;
  apiPort: number;
  listenPort: number;
  apiKey: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  log: string[];
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns true, at most `timeoutMs`; the error names what was awaited. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
      lastError = null;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${String(lastError)})` : ''}`,
  );
}

const escapeXml = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function folderXml(id: string, folder: string, type: FolderType, devices: Daemon[], rescanIntervalS: number): string {
  const members = devices
    .map((d) => `      <device id="${d.deviceId}" introducedBy=""><encryptionPassword></encryptionPassword></device>`)
    .join('\n');
  return `    <folder id="${id}" label="${id}" path="${escapeXml(folder)}" type="${type}" rescanIntervalS="${rescanIntervalS}" fsWatcherEnabled="true" fsWatcherDelayS="1" ignorePerms="false" autoNormalize="true">
      <filesystemType>basic</filesystemType>
${members}
      <minDiskFree unit="%">1</minDiskFree>
      <versioning><cleanupIntervalS>3600</cleanupIntervalS><fsPath></fsPath><fsType>basic</fsType></versioning>
      <copiers>0</copiers>
      <pullerMaxPendingKiB>0</pullerMaxPendingKiB>
      <hashers>0</hashers>
      <order>random</order>
      <ignoreDelete>false</ignoreDelete>
      <scanProgressIntervalS>0</scanProgressIntervalS>
      <pullerPauseS>0</pullerPauseS>
      <maxConflicts>10</maxConflicts>
      <disableSparseFiles>false</disableSparseFiles>
      <disableTempIndexes>false</disableTempIndexes>
      <paused>false</paused>
      <weakHashThresholdPct>25</weakHashThresholdPct>
      <markerName>.stfolder</markerName>
      <copyOwnershipFromParent>false</copyOwnershipFromParent>
      <modTimeWindowS>0</modTimeWindowS>
      <maxConcurrentWrites>2</maxConcurrentWrites>
      <disableFsync>false</disableFsync>
      <blockPullOrder>standard</blockPullOrder>
      <copyRangeMethod>standard</copyRangeMethod>
      <caseSensitiveFS>false</caseSensitiveFS>
      <junctionsAsDirs>false</junctionsAsDirs>
    </folder>`;
}

function configXml(self: Daemon, all: Daemon[], folderId: string, rescanIntervalS: number): string {
  const devices = all
    .map((d) => {
      const address = d === self ? 'dynamic' : `tcp://127.0.0.1:${d.listenPort}`;
      return `    <device id="${d.deviceId}" name="${escapeXml(d.spec.name)}" compression="metadata" introducer="false" skipIntroductionRemovals="false" introducedBy="">
      <address>${address}</address><paused>false</paused><autoAcceptFolders>false</autoAcceptFolders>
      <maxSendKbps>0</maxSendKbps><maxRecvKbps>0</maxRecvKbps><maxRequestKiB>0</maxRequestKiB><untrusted>false</untrusted><remoteGUIPort>0</remoteGUIPort>
    </device>`;
    })
    .join('\n');
  return `<configuration version="36">
${folderXml(folderId, self.folder, self.spec.type, all, rescanIntervalS)}
${devices}
    <gui enabled="true" tls="false" debugging="false"><address>127.0.0.1:${self.apiPort}</address><apikey>${self.apiKey}</apikey><theme>default</theme></gui>
    <options>
      <listenAddress>tcp://127.0.0.1:${self.listenPort}</listenAddress>
      <globalAnnounceEnabled>false</globalAnnounceEnabled>
      <localAnnounceEnabled>false</localAnnounceEnabled>
      <relaysEnabled>false</relaysEnabled>
      <natEnabled>false</natEnabled>
      <stunKeepaliveStartS>0</stunKeepaliveStartS>
      <urAccepted>-1</urAccepted>
      <crashReportingEnabled>false</crashReportingEnabled>
      <autoUpgradeIntervalH>0</autoUpgradeIntervalH>
      <startBrowser>false</startBrowser>
      <reconnectionIntervalS>1</reconnectionIntervalS>
    </options>
</configuration>
`;
}

async function rest<T>(daemon: Daemon, route: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const response = await fetch(`http://127.0.0.1:${daemon.apiPort}${route}`, {
    method: init.method ?? 'GET',
    headers: { 'X-API-Key': daemon.apiKey, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${daemon.spec.name} ${route}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function stopDaemon(daemon: Daemon): Promise<void> {
  const child = daemon.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  // The monitor forwards SIGTERM to its worker; SIGINT is ignored by a daemon without a terminal.
  child.kill('SIGTERM');
  const killed = await Promise.race([
    daemon.exited!.then(() => true),
    new Promise<boolean>((r) => setTimeout(() => r(false), 10_000)),
  ]);
  if (!killed) {
    child.kill('SIGKILL');
    await daemon.exited;
  }
}

/**
 * Generates a home per node, writes a complete config.xml, starts every daemon (under
 * `setpriv --pdeathsig TERM`, so a crashed test runner takes them down) and waits until every pair
 * is connected and every folder idle. On any failure everything started is stopped again.
 */
export async function startSyncthingFleet(options: FleetOptions): Promise<SyncthingFleet> {
  const folderId = options.folderId ?? 'admin_share';
  const rescanIntervalS = options.rescanIntervalS ?? 10;
  const daemons: Daemon[] = [];
  for (const spec of options.nodes) {
    const home = path.join(options.root, `st-${spec.name}`);
    const folder = path.join(options.root, `share-${spec.name}`);
    const { stdout, stderr } = await run('syncthing', ['generate', `--home=${home}`, '--no-default-folder']);
    const deviceId = /Device ID: (\S+)/.exec(`${stdout}${stderr}`)?.[1];
    if (!deviceId) throw new Error(`syncthing generate for ${spec.name} printed no device id`);
    await fs.mkdir(path.join(folder, '.stfolder'), { recursive: true });
    daemons.push({
      spec: { name: spec.name, type: spec.type ?? 'sendreceive' },
      home,
      folder,
      deviceId,
      apiPort: await freePort(),
      listenPort: await freePort(),
      apiKey: randomBytes(16).toString('hex'),
      log: [],
    });
  }
  const stopAll = () => Promise.all(daemons.map(stopDaemon)).then(() => undefined);
  try {
    for (const daemon of daemons) {
      await fs.writeFile(path.join(daemon.home, 'config.xml'), configXml(daemon, daemons, folderId, rescanIntervalS));
      const child = spawn(
        'setpriv',
        [
          '--pdeathsig',
          'TERM',
          'syncthing',
          'serve',
          `--home=${daemon.home}`,
          '--no-browser',
          '--no-restart',
          '--no-upgrade',
          `--gui-address=http://127.0.0.1:${daemon.apiPort}`,
          `--gui-apikey=${daemon.apiKey}`,
        ],
        { env: { ...process.env, STNOUPGRADE: '1', STNORESTART: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const keep = (chunk: Buffer) => {
        daemon.log.push(chunk.toString());
        if (daemon.log.length > 200) daemon.log.shift();
      };
      child.stdout!.on('data', keep);
      child.stderr!.on('data', keep);
      daemon.exited = new Promise((resolve) => child.once('exit', () => resolve()));
      daemon.child = child;
    }
    for (const daemon of daemons) {
      const peers = daemons.filter((d) => d !== daemon).map((d) => d.deviceId);
      await waitFor(`${daemon.spec.name} connected to its peers`, async () => {
        const { connections } = await rest<{ connections: Record<string, { connected: boolean }> }>(
          daemon,
          '/rest/system/connections',
        );
        return peers.every((id) => connections[id]?.connected);
      });
    }
    const fleet = makeFleet(daemons, folderId, stopAll);
    await fleet.waitUntilInSync();
    return fleet;
  } catch (err) {
    await stopAll();
    const logs = daemons.map((d) => `--- ${d.spec.name}\n${d.log.join('').slice(-2_000)}`).join('\n');
    throw new Error(`${(err as Error).message}\n${logs}`);
  }
}

function makeFleet(daemons: Daemon[], folderId: string, stopAll: () => Promise<void>): SyncthingFleet {
  const nodes: SyncthingNode[] = daemons.map((daemon) => ({
    name: daemon.spec.name,
    deviceId: daemon.deviceId,
    folder: daemon.folder,
    rest: (route, init) => rest(daemon, route, init),
  }));
  return {
    folderId,
    nodes,
    node(name) {
      const found = nodes.find((n) => n.name === name);
      if (!found) throw new Error(`no Syncthing node named ${name}`);
      return found;
    },
    async waitUntilInSync(timeoutMs = 30_000) {
      await waitFor(
        'every folder idle with nothing needed',
        async () => {
          for (const daemon of daemons) {
            const status = await rest<{ state: string; needFiles: number; needBytes: number }>(
              daemon,
              `/rest/db/status?folder=${folderId}`,
            );
            if (status.state !== 'idle' || status.needFiles > 0) return false;
          }
          return true;
        },
        timeoutMs,
      );
    },
    stop: stopAll,
  };
}
