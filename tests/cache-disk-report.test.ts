import { describe, expect, it } from 'vitest';
import { FreeSpaceGauge } from '../cache/free-space-gauge';
import type { FreeBytes } from '../cache/disk-space';

/** Free space for `cache.status`: bounded disk work whatever the call rate, and a typed "unknown". */

function counting(answer: () => Promise<number | null>) {
  const calls: string[] = [];
  const freeBytes: FreeBytes = (dir) => (calls.push(dir), answer());
  return { calls, freeBytes };
}

describe('the free-space gauge', () => {
  it('reads once per max age however often it is asked, and concurrent asks share one read', async () => {
    let now = 1_000;
    const disk = counting(async () => 5e9);
    const gauge = new FreeSpaceGauge({ dir: '/cache', freeBytes: disk.freeBytes, maxAgeMs: 5_000, now: () => now });
    const flood = await Promise.all(Array.from({ length: 1_000 }, () => gauge.read()));
    expect(disk.calls).toEqual(['/cache']);
    expect(new Set(flood.map((r) => r.readAt))).toEqual(new Set([1_000]));
    for (let i = 0; i < 1_000; i += 1) await gauge.read();
    expect(disk.calls).toHaveLength(1);
    now += 5_000;
    expect(await gauge.read()).toEqual({ freeBytes: 5e9, unknown: null, readAt: 6_000 });
    expect(disk.calls).toHaveLength(2);
    expect(gauge.reads).toBe(2);
  });

  it('reuses what the download budget read, so status adds no read of its own while downloads run', async () => {
    let now = 0;
    const disk = counting(async () => 7e9);
    const gauge = new FreeSpaceGauge({ dir: '/cache', freeBytes: disk.freeBytes, now: () => now });
    expect(gauge.latest()).toBeNull();
    await gauge.noting('/cache/tmp');
    now = 10;
    expect(await gauge.read()).toEqual({ freeBytes: 7e9, unknown: null, readAt: 0 });
    expect(gauge.reads).toBe(0);
    expect(gauge.latest()?.freeBytes).toBe(7e9);
  });

  it('says why free space is unknown, typed, and never throws', async () => {
    const none = new FreeSpaceGauge({ dir: '/x', freeBytes: async () => null });
    expect(await none.read()).toMatchObject({ freeBytes: null, unknown: { reason: 'unsupported' } });
    const failing = new FreeSpaceGauge({
      dir: '/x',
      freeBytes: async () => {
        throw Object.assign(new Error('permission denied, statfs /home/alice/secret'), { code: 'EACCES' });
      },
    });
    const reading = await failing.read();
    expect(reading).toMatchObject({ freeBytes: null, unknown: { reason: 'read-failed' } });
    expect(reading.unknown?.message).toContain('EACCES');
    // The path (a user's home folder) is not handed to the page.
    expect(reading.unknown?.message).not.toContain('/home/alice');
  });
});
