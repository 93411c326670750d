import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { CliErrorOutput, DoctorOutput, FleetStatusOutput, ProvisionOutput } from '../apps/cli/output-schemas';
import { listTree } from './launch-fixtures';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

/**
 * `--share`, else `AETHER_SHARE`, else `~/admin_share`, else `~/Sync/admin_share`, the same for
 * every command (provisioning/share-root.ts resolveShare), and never a share created by a typo.
 */

const cleanups = useCleanups();

async function home(folders: string[]) {
  const dir = await cleanups.tempDir('share-resolution');
  for (const folder of folders) await mkdir(path.join(dir, folder), { recursive: true });
  return dir;
}

async function cli(args: string[], env: Record<string, string>) {
  const io = captureIo(env);
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err() };
}

/** The share `fleet status` (a reading command) and `provision` (a writing one) settle on. */
async function sharesChosen(env: Record<string, string>, option: string[] = []) {
  const read = await cli(['fleet', 'status', '--json', ...option], env);
  const write = await cli(['provision', '--json', '--hostname', 'h', '--device', 'd', '--force', ...option], env);
  return {
    read:
      read.code === 0
        ? FleetStatusOutput.parse(JSON.parse(read.out)).share
        : CliErrorOutput.parse(JSON.parse(read.out)).error.message,
    write:
      write.code === 0
        ? ProvisionOutput.parse(JSON.parse(write.out)).share
        : CliErrorOutput.parse(JSON.parse(write.out)).error.message,
  };
}

describe('--share resolution', () => {
  it('takes --share first, then AETHER_SHARE, then ~/admin_share, then ~/Sync/admin_share', async () => {
    const dir = await home(['given', 'env', 'admin_share', 'Sync/admin_share']);
    const all = { HOME: dir, AETHER_SHARE: path.join(dir, 'env') };
    expect(await sharesChosen(all, ['--share', path.join(dir, 'given')])).toEqual({
      read: path.join(dir, 'given'),
      write: path.join(dir, 'given'),
    });
    expect(await sharesChosen(all)).toEqual({ read: path.join(dir, 'env'), write: path.join(dir, 'env') });
    expect(await sharesChosen({ HOME: dir })).toEqual({
      read: path.join(dir, 'admin_share'),
      write: path.join(dir, 'admin_share'),
    });
    const syncOnly = await home(['Sync/admin_share']);
    expect(await sharesChosen({ HOME: syncOnly })).toEqual({
      read: path.join(syncOnly, 'Sync', 'admin_share'),
      write: path.join(syncOnly, 'Sync', 'admin_share'),
    });
  });

  it('doctor reports the same share, and where it looked', async () => {
    const dir = await home(['Sync/admin_share']);
    const run = await cli(['doctor', '--json', '--seed', path.join(dir, 'no-seed.json')], { HOME: dir });
    const report = DoctorOutput.parse(JSON.parse(run.out));
    expect(report.share).toEqual({
      path: path.join(dir, 'Sync', 'admin_share'),
      source: 'sync-folder',
      candidates: [
        { path: path.join(dir, 'admin_share'), source: 'home' },
        { path: path.join(dir, 'Sync', 'admin_share'), source: 'sync-folder' },
      ],
    });
    expect(report.share_seed.path).toBe(path.join(dir, 'Sync', 'admin_share', 'seeds', `seed_${report.hostname}.json`));
    const human = await cli(['doctor', '--seed', path.join(dir, 'no-seed.json')], { HOME: dir });
    expect(human.out).toContain('share       ~/Sync/admin_share (the Syncthing default)');
    expect(human.out).toMatch(
      /share seed {2}~\/Sync\/admin_share\/seeds\/seed_[a-z0-9-]+\.json {2}not there \(a laptop without a seed waits for this file\)/,
    );
  });

  it('a named share that does not exist is an error and nothing is created: --share always, AETHER_SHARE for writes', async () => {
    const dir = await home(['admin_share']);
    const typo = path.join(dir, 'typo');
    const viaOption = await sharesChosen({ HOME: dir }, ['--share', typo]);
    expect(viaOption.read).toMatch(/typo \(from --share\) does not exist or is not a folder/);
    expect(viaOption.write).toMatch(/typo \(from --share\) does not exist or is not a folder/);
    // Reading follows the app (first that exists); writing never swaps the named share for another.
    const viaEnv = await sharesChosen({ HOME: dir, AETHER_SHARE: typo });
    expect(viaEnv.read).toBe(path.join(dir, 'admin_share'));
    expect(viaEnv.write).toMatch(/typo \(from AETHER_SHARE\) does not exist/);
    expect(await readdir(dir)).toEqual(['admin_share']);
    expect(await listTree(path.join(dir, 'admin_share'))).toEqual([]);
  });

  it('provision --share /typo exits non-zero and writes nothing anywhere', async () => {
    const dir = await home([]);
    const run = await cli(['provision', '--share', path.join(dir, 'typo'), '--hostname', 'a', '--device', 'dev'], {
      HOME: dir,
    });
    expect(run.code).toBe(1);
    expect(run.err).toMatch(
      /^aether-native provision: the share .*typo \(from --share\) does not exist or is not a folder\. Check the path; the share is the Syncthing folder and is never created by this tool\.\n$/,
    );
    expect(await readdir(dir)).toEqual([]);
    const none = await cli(['provision', '--hostname', 'a', '--device', 'dev'], { HOME: dir });
    expect(none.code).toBe(1);
    expect(none.err).toContain(
      `no share folder found (looked at ${path.join(dir, 'admin_share')}, ${path.join(dir, 'Sync', 'admin_share')}); pass --share DIR or set AETHER_SHARE.`,
    );
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('provision warnings', () => {
  it('warns on stderr and in --json when the seed has no API URL or no key, and still writes it', async () => {
    const dir = await home(['share']);
    const share = path.join(dir, 'share');
    const bare = await cli(['provision', '--share', share, '--hostname', 'a', '--device', 'dev'], { HOME: dir });
    expect(bare.code).toBe(0);
    expect(bare.err).toBe(
      "aether-native provision: warning: the seed has no API URL: the laptop will use the app's built-in default API (https://api.example-events.com); pass --api URL for the event's API\n" +
        'aether-native provision: warning: the seed has no API key: the laptop cannot sign in to the API until it has one; pass --key-file FILE\n',
    );
    const keyFile = path.join(dir, 'key');
    await writeFile(keyFile, 'secret-key');
    const json = await cli(
      ['provision', '--json', '--share', share, '--hostname', 'b', '--device', 'dev', '--key-file', keyFile],
      { HOME: dir },
    );
    const out = ProvisionOutput.parse(JSON.parse(json.out));
    expect(out.warnings).toEqual([expect.stringMatching(/^the seed has no API URL/)]);
    expect(out).toMatchObject({ api_url: null, has_api_key: true });
    expect(json.err).toContain('warning: the seed has no API URL');
    const full = await cli(
      [
        'provision',
        '--json',
        '--share',
        share,
        '--hostname',
        'c',
        '--device',
        'dev',
        '--key-file',
        keyFile,
        '--api',
        'https://api.example-events.com',
      ],
      { HOME: dir },
    );
    expect(ProvisionOutput.parse(JSON.parse(full.out)).warnings).toEqual([]);
    expect(full.err).toBe('');
    expect(await readdir(path.join(share, 'seeds'))).toEqual(['seed_a.json', 'seed_b.json', 'seed_c.json']);
  });
});
