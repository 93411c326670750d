// What ops pays to look at a large fleet: 1,000 status files in a share (each a full, valid report with
// room telemetry, what is on screen and four sessions). Measured in this process, ≥5 rounds each:
//   - the baseline: list the folder, read and JSON.parse every file (nothing validated or formatted);
//   - `aether-native fleet status --json` (the real command through the CLI's main(), output discarded);
//   - the dashboard's snapshot (readFleet + JSON.stringify, what each push sends);
//   - a live push: a status file is replaced (temp name + rename, as the laptops write it) and the time
//     runs until the event carrying it arrives at an open SSE client of `fleet serve` (its watcher's 100 ms
//     debounce included). CPU is process.cpuUsage over the same window (server and client share it), and
//     over 2 s from the write for the whole cost of one isolated change (the watcher's trailing re-scan).
//   FLEET_STATUS_FILES=1000  FLEET_STATUS_ROUNDS=7
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startDashboard } from '../apps/cli/dashboard/server';
import { readFleet } from '../apps/cli/commands/fleet-table';
import { main } from '../apps/cli/main';
import { silentLogger } from '../base/logger';
import { FleetStatus } from '../contracts/status-file';
import { median, spread } from './support/proc-usage';

const files = Number(process.env.FLEET_STATUS_FILES ?? 1000);
const rounds = Math.max(5, Number(process.env.FLEET_STATUS_ROUNDS ?? 7));
const STALE_MS = 15 * 60_000;

const hash = (n: number) => n.toString(16).padStart(64, '0');
function report(i: number, appVersion = '1.4.0'): FleetStatus {
  const now = new Date().toISOString();
  return FleetStatus.parse({
    hostname: `laptop-${String(i).padStart(4, '0')}`,
    event_device_id: `dev_${i}`,
    app_version: appVersion,
    last_seen: now,
    state: 'ready',
    failure: null,
    api: 'https://api.example-events.com',
    cache: { files: 120, bytes: 4_200_000_000, missing: i % 17 === 0 ? 3 : 0 },
    update: { available: '1.5.0', staged: '1.5.0', last_error: null, last_error_code: null, waiting_for: null },
    room: { state: i % 5 === 0 ? 'presenting' : 'ready', reason: null },
    on_screen: { filename: `Keynote ${i}.pptx`, sha256: hash(i), since: now, app_running: true },
    sessions: Array.from({ length: 4 }, (_, s) => ({
      id: `s_${i}_${s}`,
      title: `Session ${s} in room ${i}`,
      starts_at: now,
      ready: s !== 3,
      missing: s === 3 ? 1 : 0,
    })),
    screenshot: null,
  });
}

async function writeStatus(dir: string, status: FleetStatus): Promise<void> {
  const file = path.join(dir, `${status.hostname}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify(status));
  await rename(`${file}.tmp`, file);
}

interface Sample {
  ms: number;
  cpuMs: number;
}
async function sample(work: () => Promise<unknown>): Promise<Sample> {
  const cpu = process.cpuUsage();
  const t = performance.now();
  await work();
  const ms = performance.now() - t;
  const used = process.cpuUsage(cpu);
  return { ms, cpuMs: (used.user + used.system) / 1000 };
}
async function repeat(work: () => Promise<unknown>): Promise<Sample[]> {
  await work(); // warm-up: module and page cache
  const samples: Sample[] = [];
  for (let i = 0; i < rounds; i++) samples.push(await sample(work));
  return samples;
}

const share = await mkdtemp(path.join(os.tmpdir(), 'aether-bench-status-'));
const statusDir = path.join(share, 'status');
let dashboard: Awaited<ReturnType<typeof startDashboard>> | null = null;
let client: http.ClientRequest | null = null;
// Interrupted: the folder goes too (the dashboard and its client die with the process).
const onSignal = () => void rm(share, { recursive: true, force: true }).finally(() => process.exit(130));
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  await mkdir(statusDir);
  for (let i = 1; i <= files; i++) await writeStatus(statusDir, report(i));
  console.log(`fleet status at scale: ${files} status files, ${rounds} rounds each (median (min–max))`);

  const bare = await repeat(async () => {
    for (const name of await readdir(statusDir)) JSON.parse(await readFile(path.join(statusDir, name), 'utf8'));
  });
  let printed = 0;
  const cli = await repeat(async () => {
    const sink = new Writable({ write: (c, _e, cb) => ((printed = c.length), cb()) });
    const code = await main(['fleet', 'status', '--share', share, '--json'], { stdout: sink, stderr: sink, env: {} });
    if (code !== 0) throw new Error(`fleet status exited ${code}`);
  });
  let snapshotBytes = 0;
  const snapshot = await repeat(async () => {
    const fleet = await readFleet(share, new Date(), STALE_MS);
    if (fleet.rows.length !== files) throw new Error(`readFleet saw ${fleet.rows.length} of ${files} laptops`);
    snapshotBytes = JSON.stringify({ share, now: new Date().toISOString(), staleAfterMs: STALE_MS, ...fleet }).length;
  });

  dashboard = await startDashboard({ share, staleAfterMs: STALE_MS, logger: silentLogger(), refreshMs: 3_600_000 });
  const events: string[] = [];
  let notify: () => void = () => undefined;
  await new Promise<void>((resolve, reject) => {
    client = http.get(new URL('events', dashboard!.url), (response) => {
      let buffer = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          events.push(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
          notify();
        }
      });
      resolve();
    });
    client.on('error', reject);
  });
  const nextEventWith = (marker: string, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no dashboard event with ${marker} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      notify = () => {
        if (events.some((e) => e.includes(marker))) {
          clearTimeout(timer);
          resolve();
        }
      };
      notify();
    });
  await nextEventWith('laptop-0001');
  const pushes: Sample[] = [];
  const perChangeCpuMs: number[] = [];
  const pushesBefore = dashboard.pushes();
  for (let round = 0; round <= rounds; round++) {
    events.length = 0;
    const version = `9.9.${round}`;
    const cpu = process.cpuUsage();
    const s = await sample(async () => {
      await writeStatus(statusDir, report(1 + ((round * 37) % files), version));
      await nextEventWith(`"${version}"`);
    });
    // An isolated change: the share watcher's trailing scan (1.1 s later, delivered even when nothing
    // changed) pushes again, so the whole cost of one change is measured until it has passed.
    await new Promise((r) => setTimeout(r, 2_000));
    const whole = process.cpuUsage(cpu);
    if (round > 0) {
      pushes.push(s); // the first is the warm-up
      perChangeCpuMs.push((whole.user + whole.system) / 1000);
    }
  }

  const line = (what: string, samples: Sample[], base?: Sample[]) =>
    console.log(
      `${what.padEnd(48)} ${spread(
        samples.map((s) => s.ms),
        0,
      ).padEnd(18)} ms  CPU ${spread(
        samples.map((s) => s.cpuMs),
        0,
      ).padEnd(
        18,
      )} ms${base ? `  ${(median(samples.map((s) => s.ms)) / median(base.map((s) => s.ms))).toFixed(1)}× baseline` : ''}`,
    );
  line('baseline: read + JSON.parse every file', bare);
  line(`fleet status --json (${(printed / 1024).toFixed(0)} KiB out)`, cli, bare);
  line(`dashboard snapshot (${(snapshotBytes / 1024).toFixed(0)} KiB event)`, snapshot, bare);
  line('status file replaced → SSE event at the client', pushes);
  const perChange = (dashboard.pushes() - pushesBefore) / (rounds + 1);
  console.log(
    `one isolated change in all: ${perChange.toFixed(1)} pushes, CPU ${spread(perChangeCpuMs, 0)} ms (2 s window)`,
  );
} finally {
  (client as http.ClientRequest | null)?.destroy();
  await dashboard?.close();
  await rm(share, { recursive: true, force: true });
}
