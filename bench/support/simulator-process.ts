// The simulator in its own process for the network benchmarks, so that it never shares an event loop
// with the contender it serves (curl is a separate process; ours must be too, and so must the server).
// `startSimulatorProcess(spec)` spawns this file; run directly it serves `spec` until stdin closes.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export interface ServedFile {
  sha256: string;
  size: number;
}

export interface SimulatorSpec {
  /** Files on disk, streamed as they are. */
  paths?: string[];
  /** Generated files of this many bytes each (seeded, so hashes are stable). */
  generated?: { count: number; size: number };
}

export interface SimulatorProcess {
  url: string;
  apiKey: string;
  files: ServedFile[];
  pid: number;
  close(): Promise<void>;
}

const SELF = fileURLToPath(import.meta.url);

export async function startSimulatorProcess(spec: SimulatorSpec): Promise<SimulatorProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', SELF, '--serve', JSON.stringify(spec)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const line = await firstLine(child);
  const served = JSON.parse(line) as { url: string; apiKey: string; files: ServedFile[] };
  return {
    ...served,
    pid: child.pid!,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.stdin!.end();
      }),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code}) before it served`)));
  });
}

async function serve(spec: SimulatorSpec): Promise<void> {
  const { startSimulator } = await import('../../apps/simulator/index');
  const sim = await startSimulator({ files: [] });
  const files: ServedFile[] = [];
  for (const [i, filePath] of (spec.paths ?? []).entries())
    files.push(await sim.addFile({ filename: `file-${i}.bin`, path: filePath }));
  for (let i = 0; i < (spec.generated?.count ?? 0); i += 1) {
    files.push(await sim.addFile({ filename: `file-${i}.bin`, size: spec.generated!.size, seed: `bulk-${i}` }));
  }
  process.stdout.write(
    `${JSON.stringify({ url: sim.url, apiKey: sim.apiKey, files: files.map((f) => ({ sha256: f.sha256, size: f.size })) })}\n`,
  );
  process.stdin.resume();
  process.stdin.once('end', () => void sim.close().then(() => process.exit(0)));
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt >= 0) await serve(JSON.parse(process.argv[serveAt + 1] ?? '{}') as SimulatorSpec);
