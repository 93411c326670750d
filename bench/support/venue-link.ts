// An emulated venue link (../shared/recipes/shaped-link.md): two network namespaces named with this
// process's pid, a veth pair between them with addresses that exist only inside them
// (10.213.<pid % 250>.1 for the server, .2 for the clients), shaped with `tbf` on both ends (netem is
// not in this kernel). The file server runs in the server namespace, the contenders in the client
// namespace (`ip netns exec`). Removed on every exit path: `close()` in the benches' `finally`, and
// a synchronous `ip netns del` on exit and on signals; deleting a namespace removes its veth end.
// No delay: a faithful round-trip delay needs a TUN forwarder (the recipe); not built yet.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { onAnyExit } from './exit-cleanup';

const run = promisify(execFile);

export interface VenueLink {
  serverNs: string;
  clientNs: string;
  serverAddress: string;
  clientAddress: string;
  /** Shapes both directions to `mbit` Mbit/s (tbf, burst max(256 KiB, 10 ms of the rate), latency 50 ms). */
  shape(mbit: number): Promise<void>;
  close(): Promise<void>;
}

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
  return {
    serverNs,
    clientNs,
    serverAddress,
    clientAddress,
    async shape(mbit: number) {
      const bytesPerSecond = (mbit * 1_000_000) / 8;
      const burst = Math.max(256 * 1024, Math.ceil(bytesPerSecond / 100));
      for (const [ns, dev] of [
        [serverNs, serverDev],
        [clientNs, clientDev],
      ] as const) {
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
      removeSync();
      unregister();
    },
  };
}
