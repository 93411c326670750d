// An emulated venue link (../shared/recipes/shaped-link.md): two network namespaces named with this
// process's pid, a veth pair between them with addresses that exist only inside them
// (10.213.<pid % 250>.1 for the server, .2 for the clients), shaped with `tbf` on both ends (netem is
// not in this kernel). The file server runs in the server namespace, the contenders in the client
// namespace (`ip netns exec`). For a round-trip delay, `addDelayedPath(rttMs)` adds a second path:
// a TUN device in each namespace (10.214.<pid % 250>.1 and .2) and tun-delay.c between them, which
// holds every packet rttMs / 2 in each direction (a TCP proxy that delays reads is not faithful);
// `shape` shapes both paths. Removed on every exit path: `close()` in the benches' `finally`, and a
// synchronous clean-up on exit and on signals (the forwarder killed, `ip netns del`; deleting a
// namespace removes its veth end, the TUN devices go with the forwarder).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onAnyExit, removeOnAnyExit } from './exit-cleanup';
import { processCpuSeconds } from './nginx-server';

const run = promisify(execFile);

export interface VenueLink {
  serverNs: string;
  clientNs: string;
  serverAddress: string;
  clientAddress: string;
  /** Shapes both directions of every path to `mbit` Mbit/s (tbf, burst max(256 KiB, 10 ms of the rate), latency 50 ms). */
  shape(mbit: number): Promise<void>;
  /** Adds the delayed path (once); its addresses. */
  addDelayedPath(rttMs: number): Promise<DelayedPath>;
  close(): Promise<void>;
}

export interface DelayedPath {
  serverAddress: string;
  clientAddress: string;
  rttMs: number;
  /** User + system CPU-seconds the forwarder has used so far. */
  forwarderCpuSeconds(): number;
}

const FORWARDER_SOURCE = fileURLToPath(new URL('./tun-delay.c', import.meta.url));

export async function createVenueLink(): Promise<VenueLink> {
  const id = process.pid;
  const serverNs = `aether-srv-${id}`;
  const clientNs = `aether-cli-${id}`;
  // Interface names are at most 15 characters.
  const serverDev = `aes${id}`.slice(0, 15);
  const clientDev = `aec${id}`.slice(0, 15);
  const net = `10.213.${id % 250}`;
  const serverAddress = `${net}.1`;
  const clientAddress = `${net}.2`;
  const removeSync = () => {
    try {
      // Only there if creation stopped before the ends were moved into the namespaces.
      execFileSync('ip', ['link', 'del', serverDev], { stdio: 'ignore' });
    } catch {
      // Moved (goes with its namespace) or never made.
    }
    for (const ns of [serverNs, clientNs]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        // Not there (never made, or already removed).
      }
    }
  };
  const unregister = onAnyExit(removeSync);
  const ip = (...args: string[]) => run('ip', args);
  try {
    await ip('netns', 'add', serverNs);
    await ip('netns', 'add', clientNs);
    await ip('link', 'add', serverDev, 'type', 'veth', 'peer', 'name', clientDev);
    await ip('link', 'set', serverDev, 'netns', serverNs);
    await ip('link', 'set', clientDev, 'netns', clientNs);
    for (const [ns, dev, address] of [
      [serverNs, serverDev, serverAddress],
      [clientNs, clientDev, clientAddress],
    ] as const) {
      await ip('-n', ns, 'addr', 'add', `${address}/24`, 'dev', dev);
      await ip('-n', ns, 'link', 'set', dev, 'up');
      await ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
  } catch (err) {
    removeSync();
    unregister();
    throw new Error(
      `could not create the venue link (needs root, iproute2, veth): ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  const devices: [string, string][] = [
    [serverNs, serverDev],
    [clientNs, clientDev],
  ];
  let forwarder: { pid: number; stop(): void; dir: string } | undefined;
  let delayed: DelayedPath | undefined;
  const stopForwarder = () => forwarder?.stop();
  const unregisterForwarder = onAnyExit(stopForwarder);
  return {
    serverNs,
    clientNs,
    serverAddress,
    clientAddress,
    async addDelayedPath(rttMs: number) {
      if (delayed) return delayed;
      const dir = await mkdtemp(path.join(os.tmpdir(), 'aether-tun-delay-'));
      removeOnAnyExit(dir);
      const binary = path.join(dir, 'tun-delay');
      await run('gcc', ['-O2', '-o', binary, FORWARDER_SOURCE]);
      const serverTun = `ats${id}`.slice(0, 15);
      const clientTun = `atc${id}`.slice(0, 15);
      const child = spawn(binary, [serverNs, serverTun, clientNs, clientTun, String(Math.round((rttMs * 1000) / 2))], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      forwarder = {
        pid: child.pid!,
        dir,
        stop: () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        },
      };
      await new Promise<void>((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        lines.once('line', () => resolve());
        child.once('exit', (code) => reject(new Error(`the delay forwarder exited (${code}): ${stderr.trim()}`)));
      });
      const net2 = `10.214.${id % 250}`;
      const path2 = { serverAddress: `${net2}.1`, clientAddress: `${net2}.2` };
      for (const [ns, dev, local, peer] of [
        [serverNs, serverTun, path2.serverAddress, path2.clientAddress],
        [clientNs, clientTun, path2.clientAddress, path2.serverAddress],
      ] as const) {
        // A queue of 5000: the default 500 drops packets at 1 Gbit/s (the recipe).
        await ip('-n', ns, 'link', 'set', dev, 'txqueuelen', '5000', 'up');
        await ip('-n', ns, 'addr', 'add', local, 'peer', peer, 'dev', dev);
        devices.push([ns, dev]);
      }
      const pid = child.pid!;
      delayed = { ...path2, rttMs, forwarderCpuSeconds: () => processCpuSeconds(pid) };
      return delayed;
    },
    async shape(mbit: number) {
      const bytesPerSecond = (mbit * 1_000_000) / 8;
      const burst = Math.max(256 * 1024, Math.ceil(bytesPerSecond / 100));
      for (const [ns, dev] of devices) {
        await run('tc', [
          '-n',
          ns,
          'qdisc',
          'replace',
          'dev',
          dev,
          'root',
          'tbf',
          'rate',
          `${mbit}mbit`,
          'burst',
          String(burst),
          'latency',
          '50ms',
        ]);
      }
    },
    async close() {
      stopForwarder();
      unregisterForwarder();
      if (forwarder) await rm(forwarder.dir, { recursive: true, force: true });
      removeSync();
      unregister();
    },
  };
}
