import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { FINAL_NAME_PATTERN, SHARD_PATTERN } from '../cache/layout';
import { openStore } from '../cache/open-store';
import { startFaultServer, type FaultServer } from './fault-server';
import { countingFs, randomFile, removeRoot, sha256Of, tempRoot } from './support/cache-harness';

const CHILD = fileURLToPath(new URL('./crash-child.ts', import.meta.url));
const KILLS = 10;

let server: FaultServer;
let root: string;
let list: string;
let hashes: string[];

beforeAll(async () => {
  // Slow chunks so that kills land mid-transfer, mid-commit and between files: a whole sync takes about
  // 350 ms here, longer than the latest kill, so at least the first child always dies mid-sync.
  server = await startFaultServer({ chunkDelayMs: 5 });
  root = await tempRoot('aether-crash-');
  const files = Array.from({ length: 8 }, (_, i) => randomFile(256 * 1024 * (i + 1)));
  for (const f of files) server.addBuffer(f.bytes);
  hashes = files.map((f) => f.sha256);
  list = files.map((f) => `${f.sha256}:${f.bytes.length}`).join(',');
});
afterAll(async () => {
  await server.close();
  await removeRoot(root);
});

function runChild(killAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, root, server.url, list], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      if (killAfterMs !== null && d.toString().includes('ready'))
        timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    const limit = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(limit);
      if (code !== 0 && signal === null) reject(new Error(`crash child failed (${code}): ${stderr}`));
      else resolve({ code, signal });
    });
  });
}

/** Every file at a final name must re-hash to its name, whatever moment the child died at. */
async function assertFinalNamesAreWhole(): Promise<number> {
  let whole = 0;
  for (const shard of await readdir(root)) {
    if (!SHARD_PATTERN.test(shard)) continue;
    for (const name of await readdir(path.join(root, shard))) {
      const sha256 = FINAL_NAME_PATTERN.exec(name)?.[1];
      if (!sha256) continue;
      expect(sha256Of(await readFile(path.join(root, shard, name)))).toBe(sha256);
      whole += 1;
    }
  }
  return whole;
}

describe('crash safety', () => {
  it(`survives ${KILLS} SIGKILLs at random moments, then completes the sync`, async () => {
    const kills: number[] = [];
    for (let i = 0; i < KILLS; i += 1) {
      const delay = Math.floor(Math.random() * 250);
      const { signal } = await runChild(delay);
      if (signal === 'SIGKILL') kills.push(delay);
      await assertFinalNamesAreWhole();
    }
    expect(kills.length).toBeGreaterThan(0);

    const { code } = await runChild(null);
    expect(code).toBe(0);
    expect(await assertFinalNamesAreWhole()).toBe(hashes.length);
    const reopened = await openStore({ root, fs: countingFs().fs, logger: silentLogger() });
    expect(hashes.every((h) => reopened.store.has(h))).toBe(true);
    expect(reopened.reclaimedTemps).toBe(0);
  }, 240_000);
});
