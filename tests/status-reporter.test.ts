import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { writeJsonAtomic } from '../base/atomic-file';
import { FleetStatus } from '../contracts/status-file';
import { createStatusReporter, statusFields, type StatusFields } from '../update-helper/status-reporter';
import { failedUpdate } from '../update-helper/update-state';
import { waitFor } from './share-watcher-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();

const fields = (files: number): StatusFields => ({
  event_device_id: 'dbgMWS3KEHE',
  app_version: '1.4.0',
  state: 'ready',
  api: 'https://api.example-events.com',
  cache: { files, bytes: files * 1000, missing: 0 },
  update: { available: null, staged: null, last_error: null },
});

async function setup(minIntervalMs: number, writeJson?: (f: string, v: unknown) => Promise<void>) {
  const dir = await cleanups.tempDir('status');
  const writes: unknown[] = [];
  const reporter = createStatusReporter({
    shareRoot: dir,
    hostname: 'lectern-a',
    logger: silentLogger(),
    minIntervalMs,
    now: () => new Date('2026-11-22T10:00:00.000Z'),
    writeJson: writeJson ?? (async (f, v) => (writes.push(v), writeJsonAtomic(f, v))),
  });
  cleanups.push(() => reporter.close());
  return { file: path.join(dir, 'status', 'lectern-a.json'), reporter, writes };
}

describe('fleet status reporter', () => {
  it('writes a schema-valid status file atomically on the first report', async () => {
    const { file, reporter } = await setup(60_000);
    reporter.report(fields(3));
    await waitFor('the status file', () => readFile(file, 'utf8').then(JSON.parse, () => undefined));
    expect(FleetStatus.parse(JSON.parse(await readFile(file, 'utf8')))).toEqual({
      hostname: 'lectern-a',
      last_seen: '2026-11-22T10:00:00.000Z',
      ...fields(3),
    });
  });

  it('coalesces a burst of changes into one more write with the latest state, and skips unchanged reports', async () => {
    const { file, reporter, writes } = await setup(300);
    reporter.report(fields(1));
    await waitFor('the first write', () => writes.length === 1);
    for (let i = 2; i <= 6; i++) reporter.report(fields(i));
    await waitFor('the coalesced write', () => writes.length === 2);
    expect(writes[1]).toMatchObject({ cache: { files: 6 } });
    reporter.report(fields(6));
    await reporter.flush();
    expect(writes).toHaveLength(2);
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({ cache: { files: 6 } });
  });

  it('keeps going when the share cannot be written, and writes once it can', async () => {
    let failing = true;
    const dir = await cleanups.tempDir('status');
    const reporter = createStatusReporter({
      shareRoot: dir,
      hostname: 'lectern-a',
      logger: silentLogger(),
      minIntervalMs: 0,
      writeJson: async (f, v) => {
        if (failing) throw Object.assign(new Error('EROFS: read-only file system'), { code: 'EROFS' });
        await writeJsonAtomic(f, v);
      },
    });
    cleanups.push(() => reporter.close());
    reporter.report(fields(1));
    await reporter.flush();
    failing = false;
    reporter.report(fields(2));
    await reporter.flush();
    expect(JSON.parse(await readFile(path.join(dir, 'status', 'lectern-a.json'), 'utf8'))).toMatchObject({
      cache: { files: 2 },
    });
  });

  it('derives the file fields from the bootstrap and update states', () => {
    const f = statusFields({
      eventDeviceId: 'd1',
      appVersion: '1.4.0',
      bootstrap: { kind: 'seeking-seed', waitingFor: { folder: '/s/seeds', file: 'seed_a.json' } },
      update: { kind: 'waiting-for-payload', version: '1.5.0', file: 'A.zip', have: 1, need: 2 },
      cache: { files: 0, bytes: 0, missing: 0 },
      staged: null,
    });
    expect(f).toMatchObject({
      state: 'seeking-seed',
      api: null,
      update: { available: '1.5.0', staged: null, last_error: null },
    });
    const failed = statusFields({
      eventDeviceId: 'd1',
      appVersion: '1.4.0',
      bootstrap: { kind: 'authenticating', api: 'https://api.x' },
      update: failedUpdate({ code: 'payload-hash-mismatch', version: '1.5.0', file: 'A.zip' }),
      cache: { files: 0, bytes: 0, missing: 0 },
      staged: null,
    });
    expect(failed).toMatchObject({
      api: 'https://api.x',
      failure: null,
      update: {
        available: null,
        last_error: 'A.zip does not match the SHA-256 in version.json; waiting for a corrected file',
        last_error_code: 'payload-hash-mismatch',
      },
    });
  });

  it('never writes outside the status folder (the file is named by the normalised hostname)', async () => {
    const dir = await cleanups.tempDir('status');
    await writeFile(path.join(dir, 'marker'), '');
    const { normaliseHostname } = await import('../contracts/hostname');
    const reporter = createStatusReporter({
      shareRoot: dir,
      hostname: normaliseHostname('../../evil'),
      logger: silentLogger(),
      minIntervalMs: 0,
    });
    cleanups.push(() => reporter.close());
    reporter.report(fields(1));
    await reporter.flush();
    expect(JSON.parse(await readFile(path.join(dir, 'status', '------evil.json'), 'utf8'))).toMatchObject({
      hostname: '------evil',
    });
  });
});
