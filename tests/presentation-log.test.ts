import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { PresentationRecord } from '../contracts/presentation-log';
import { openPresentationLog } from '../update-helper/presentation-log';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();
const open = (n: number) => ({
  event_device_id: 'dev_a',
  event_file_id: `ef_${n}`,
  sha256: String(n % 10).repeat(64),
  filename: `Deck ${n}.pptx`,
});

async function setup() {
  const root = await cleanups.tempDir('presentations');
  const share = path.join(root, 'share');
  const journalPath = path.join(root, 'state', 'presentations.jsonl');
  const shareFile = path.join(share, 'status', 'lectern-a.presentations.jsonl');
  const make = () =>
    openPresentationLog({ journalPath, shareRoot: share, hostname: 'lectern-a', logger: silentLogger() });
  const lines = async () =>
    (await readFile(shareFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => PresentationRecord.parse(JSON.parse(l)));
  return { share, journalPath, shareFile, make, lines };
}

describe('proof of presentation', () => {
  it('keeps every open through a share outage and delivers each exactly once when the share is back', async () => {
    const { share, make, lines } = await setup();
    const log = await make();
    for (let n = 1; n <= 3; n++) await log.record(open(n));
    expect(await log.deliver()).toEqual({ kind: 'waiting', code: 'share-missing' });
    expect(log.pending()).toBe(3);
    await mkdir(path.join(share, 'status'), { recursive: true });
    expect(await log.deliver()).toEqual({ kind: 'delivered', lines: 3 });
    for (let n = 4; n <= 5; n++) await log.record(open(n));
    expect(await log.deliver()).toEqual({ kind: 'delivered', lines: 2 });
    expect(await log.deliver()).toEqual({ kind: 'delivered', lines: 0 });
    const delivered = await lines();
    expect(delivered.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(delivered.map((r) => r.filename)).toEqual([
      'Deck 1.pptx',
      'Deck 2.pptx',
      'Deck 3.pptx',
      'Deck 4.pptx',
      'Deck 5.pptx',
    ]);
    expect(delivered.every((r) => r.hostname === 'lectern-a' && r.event_device_id === 'dev_a')).toBe(true);
  });

  it('a restart and concurrent deliveries never count an open twice; a torn journal line is skipped', async () => {
    const { share, make, lines, journalPath } = await setup();
    await mkdir(path.join(share, 'status'), { recursive: true });
    const first = await make();
    for (let n = 1; n <= 4; n++) await first.record(open(n));
    await Promise.all([first.deliver(), first.deliver(), first.deliver()]);
    expect((await lines()).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    // The app restarts: a new log over the same journal knows what the share already holds.
    const second = await make();
    await second.record(open(5));
    expect(await second.deliver()).toEqual({ kind: 'delivered', lines: 1 });
    // A crash mid-append left a torn line in the journal; the next record still gets its own number.
    await appendFile(journalPath, '{"seq":6,"at":"2026-');
    const third = await make();
    const record = await third.record(open(6));
    expect(record.seq).toBe(6);
    await third.deliver();
    expect((await lines()).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('ignores a peer line or another laptop in the file and never follows a symlink or reads a FIFO there', async () => {
    const { share, shareFile, make } = await setup();
    await mkdir(path.join(share, 'status'), { recursive: true });
    await writeFile(shareFile, 'garbage from a peer\n{"seq": 99, "hostname": "lectern-b"}\n');
    const log = await make();
    await log.record(open(1));
    expect(await log.deliver()).toEqual({ kind: 'delivered', lines: 1 });
    const all = (await readFile(shareFile, 'utf8')).trim().split('\n');
    expect(all).toHaveLength(3);
    expect(PresentationRecord.parse(JSON.parse(all[2]!))).toMatchObject({
      seq: 1,
      hostname: 'lectern-a',
      filename: 'Deck 1.pptx',
    });

    const outside = path.join(share, 'outside.txt');
    await writeFile(outside, 'keep me\n');
    const linked = await setup();
    await mkdir(path.join(linked.share, 'status'), { recursive: true });
    await symlink(outside, linked.shareFile);
    const viaLink = await linked.make();
    await viaLink.record(open(2));
    expect(await viaLink.deliver()).toMatchObject({ kind: 'failed', code: 'share-log-not-a-file' });
    expect(await readFile(outside, 'utf8')).toBe('keep me\n');
    expect(viaLink.pending()).toBe(1);

    const fifo = await setup();
    await mkdir(path.join(fifo.share, 'status'), { recursive: true });
    execFileSync('mkfifo', [fifo.shareFile]);
    const viaFifo = await fifo.make();
    await viaFifo.record(open(3));
    expect(await viaFifo.deliver()).toMatchObject({ kind: 'failed', code: 'share-log-not-a-file' });
  });

  it('refuses to read an oversized share file, and waits while status/ is not a folder', async () => {
    const { share, shareFile, journalPath } = await setup();
    await mkdir(path.join(share, 'status'), { recursive: true });
    await writeFile(shareFile, Buffer.alloc(2048, 0x61));
    const log = await openPresentationLog({
      journalPath,
      shareRoot: share,
      hostname: 'lectern-a',
      logger: silentLogger(),
      maxShareLogBytes: 1024,
    });
    await log.record(open(1));
    expect(await log.deliver()).toMatchObject({ kind: 'failed', code: 'share-log-too-large' });

    const other = await setup();
    await mkdir(other.share, { recursive: true });
    await writeFile(path.join(other.share, 'status'), 'a file where a folder belongs');
    const waiting = await other.make();
    await waiting.record(open(1));
    expect(await waiting.deliver()).toEqual({ kind: 'waiting', code: 'status-not-a-folder' });
  });
});
