// One laptop's share-side process for the fleet benchmarks, run as its own child so its CPU and memory
// are its own: the app's fleet wiring (version watcher with real staging next to an installed AppImage,
// and the status reporter) plus the seed watcher, on one share. Two modes:
//   --serve: prints {"event":"staged","version","at"} each time a build is staged; stops on stdin end.
//   --idle=SECONDS: waits for start-up to settle, prints the CPU it used over SECONDS, then stops.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execFileRunner } from '../../base/command-runner';
import { silentLogger } from '../../base/logger';
import { createFleetWiring } from '../../core/fleet';
import type { BootstrapState } from '../../provisioning/bootstrap-state';
import { createShareWatcher } from '../../provisioning/share-watcher';

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const share = arg('share');
const install = arg('install');
const hostname = arg('hostname') ?? 'bench-laptop';
const idleSeconds = arg('idle');
if (!share || !install) {
  process.stderr.write('usage: fleet-laptop.ts --share=DIR --install=DIR [--hostname=NAME] [--idle=SECONDS]\n');
  process.exit(2);
}

const appImage = path.join(install, 'Aether.AppImage');
await mkdir(install, { recursive: true });
await writeFile(appImage, 'installed 1.0.0');
const logger = silentLogger();
// The bootstrap is not under test: it stays put, so only the share side works.
const bootstrap: BootstrapState = { kind: 'authenticating', api: 'http://127.0.0.1:9' };
const wiring = createFleetWiring({
  platform: 'linux',
  arch: 'x64',
  paths: { shareCandidates: [share] },
  packaged: true,
  appVersion: '1.0.0',
  exePath: path.join(install, 'aether'),
  env: { APPIMAGE: appImage },
  logger,
  run: execFileRunner(),
  hostname: async () => hostname,
  bootstrap: { state: () => bootstrap, subscribe: () => () => undefined },
  applyStagedUpdate: async () => undefined,
});
const seeds = createShareWatcher({
  dir: path.join(share, 'seeds'),
  accept: (name) => name === `seed_${hostname}.json`,
  logger,
  onSnapshot: () => undefined,
});
let lastStaged = '';
wiring.update.subscribe((status) => {
  const state = status.state;
  if (state.kind === 'staged' && state.version !== lastStaged) {
    lastStaged = state.version;
    process.stdout.write(`${JSON.stringify({ event: 'staged', version: state.version, at: Date.now() })}\n`);
  }
  if (state.kind === 'failed') process.stdout.write(`${JSON.stringify({ event: 'failed', state })}\n`);
});
await wiring.start();
await seeds.start();
const stop = async () => {
  await Promise.all([wiring.close(), seeds.close()]);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());

if (idleSeconds) {
  // The window starts once start-up work (module loading, the first scan and status write, GC) settled.
  await new Promise((r) => setTimeout(r, 3_000));
  const start = process.cpuUsage();
  await new Promise((r) => setTimeout(r, Number(idleSeconds) * 1000));
  const used = process.cpuUsage(start);
  process.stdout.write(`${JSON.stringify({ event: 'idle', seconds: Number(idleSeconds), ...used })}\n`);
  await stop();
} else {
  process.stdout.write(`${JSON.stringify({ event: 'ready', pid: process.pid })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => void stop());
}
