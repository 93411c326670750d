import { describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { normaliseHostname } from '../contracts/hostname';
import { localHostname } from '../provisioning/local-hostname';
import { seedFileName } from '../provisioning/share-root';

describe('hostname used for the seed file', () => {
  it.each([
    ['Lectern-A.local', 'lectern-a'],
    ['LECTERN-A.LOCAL.', 'lectern-a'],
    ["Anna's MacBook Pro", 'anna-s-macbook-pro'],
    ['ballroom_b.example.com', 'ballroom-b-example-com'],
    ['  kiosk-7  ', 'kiosk-7'],
    ['../../etc', '------etc'],
  ])('%s → %s', (raw, expected) => {
    expect(normaliseHostname(raw)).toBe(expected);
    expect(seedFileName(normaliseHostname(raw))).toMatch(/^seed_[a-z0-9-]+\.json$/);
  });

  it('asks scutil for the LocalHostName on macOS, not the network-dependent hostname', async () => {
    const calls: string[][] = [];
    const name = await localHostname({
      platform: 'darwin',
      run: async (file, args) => (calls.push([file, ...args]), { exitCode: 0, stdout: 'Lectern-A\n', stderr: '' }),
      osHostname: () => 'dhcp-10-0-0-7.venue.net',
      logger: silentLogger(),
    });
    expect(calls).toEqual([['scutil', '--get', 'LocalHostName']]);
    expect(name).toBe('lectern-a');
  });

  it('falls back to the OS hostname when scutil fails or cannot run', async () => {
    const failing = { exitCode: 1, stdout: '', stderr: 'LocalHostName: not set' };
    expect(
      await localHostname({
        platform: 'darwin',
        run: async () => failing,
        osHostname: () => 'Mac.local',
        logger: silentLogger(),
      }),
    ).toBe('mac');
    const missing = async () => {
      throw new Error('scutil is not available');
    };
    expect(
      await localHostname({ platform: 'darwin', run: missing, osHostname: () => 'Mac.local', logger: silentLogger() }),
    ).toBe('mac');
  });

  it('uses the OS hostname elsewhere without running anything', async () => {
    const run = async () => {
      throw new Error('must not run');
    };
    expect(await localHostname({ platform: 'linux', run, osHostname: () => 'Dev-Box', logger: silentLogger() })).toBe(
      'dev-box',
    );
  });
});
