/**
 * Run as an unprivileged user by share-boundary.test.ts: root ignores mode bits, so a real EACCES
 * (a mode 000 version.json, a seeds folder without permission, as Syncthing propagates them) needs a
 * process that is not root. Prints one JSON line: the states reached and whether any rejection or
 * exception escaped to the process.
 */
import { silentLogger } from '../base/logger';
import { waitForSeed, type ZeroTouchState } from '../provisioning/zero-touch';
import { createVersionWatcher } from '../update-helper/version-watcher';

const [share, home] = process.argv.slice(2) as [string, string];
const escaped: string[] = [];
process.on('unhandledRejection', (reason) => escaped.push(`unhandledRejection: ${String(reason)}`));
process.on('uncaughtException', (err) => escaped.push(`uncaughtException: ${err.message}`));

const watcher = createVersionWatcher({
  target: 'linux-x64',
  shareRoot: share,
  appVersion: '1.0.0',
  hostname: 'lectern-a',
  logger: silentLogger(),
  stage: async () => {
    throw new Error('not reached');
  },
  applyStagedUpdate: async () => undefined,
  watch: { debounceMs: 20 },
});
await watcher.start();
await watcher.checkNow();

const zeroTouch: ZeroTouchState[] = [];
const controller = new AbortController();
const seeding = waitForSeed({
  shareCandidates: [share],
  hostname: 'lectern-a',
  seedConfigPath: `${home}/config/seed.json`,
  defaultApiUrl: 'https://api.example',
  logger: silentLogger(),
  onState: (s) => zeroTouch.push(s),
  signal: controller.signal,
  watch: { debounceMs: 20 },
}).catch(() => null);

for (let i = 0; i < 200 && !zeroTouch.some((s) => s.kind === 'waiting' && s.problem); i += 1)
  await new Promise((r) => setTimeout(r, 25));
controller.abort();
await seeding;
await watcher.close();
await new Promise((r) => setTimeout(r, 50));
process.stdout.write(`${JSON.stringify({ update: watcher.status().state, zeroTouch: zeroTouch.at(-1), escaped })}\n`);
