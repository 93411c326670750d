import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../base/logger';
import { platformPaths } from '../base/platform';
import { findJsonSyntaxProblem, positionFromJsonErrorMessage } from '../base/json-syntax';
import { type SeedDiscoveryInput, discoverSeed, seedFinder, seedSearchOrder } from '../provisioning/seed-discovery';
import { SeedError } from '../provisioning/seed-errors';

let home: string;
let input: SeedDiscoveryInput;

beforeEach(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'seed-discovery-'));
  input = { env: {}, packaged: false, paths: platformPaths({ platform: 'linux', home, env: {} }), home, cwd: home };
});
afterEach(async () => {
  await rm(home, { recursive: true, force: true });
});

async function put(file: string, body = '{"event_device_id": "d1"}'): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, body);
  return file;
}

describe('discoverSeed', () => {
  it('returns null when no location holds a seed', async () => {
    expect(await discoverSeed(input)).toBeNull();
    expect(seedSearchOrder(input)).toEqual([
      path.join(home, 'seed.json'),
      path.join(home, '.config', 'aether', 'seed.json'),
    ]);
  });

  it('uses --seed first, resolved against the working folder', async () => {
    await put(path.join(home, 'seed.json'));
    const mine = await put(path.join(home, 'mine.json'));
    expect(
      await discoverSeed({ ...input, seedArg: 'mine.json', env: { AETHER_SEED: path.join(home, 'seed.json') } }),
    ).toEqual({ path: mine, source: 'argument', reason: 'given with --seed' });
  });

  it('uses AETHER_SEED when there is no --seed', async () => {
    const env = await put(path.join(home, 'env.json'));
    await put(input.paths.seedConfigPath);
    expect(await discoverSeed({ ...input, env: { AETHER_SEED: env } })).toMatchObject({
      path: env,
      source: 'environment',
    });
  });

  it('refuses an explicit seed that does not exist instead of falling through', async () => {
    await put(input.paths.seedConfigPath);
    const err = await discoverSeed({ ...input, seedArg: path.join(home, 'typo.json') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedError);
    expect((err as Error).message).toBe(
      'seed.json at ~/typo.json: does not exist (given with --seed). Check the path, or leave it out to use the default locations.',
    );
    const envErr = await discoverSeed({ ...input, env: { AETHER_SEED: '/nonexistent/seed.json' } }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(envErr?.message).toMatch(/\/nonexistent\/seed\.json: does not exist \(named by AETHER_SEED\)/);
  });

  it('uses ~/seed.json only in development builds', async () => {
    await put(path.join(home, 'seed.json'));
    await put(input.paths.seedConfigPath);
    expect(await discoverSeed(input)).toMatchObject({ source: 'development-home', path: path.join(home, 'seed.json') });
    expect(await discoverSeed({ ...input, packaged: true })).toMatchObject({
      source: 'os-config',
      path: input.paths.seedConfigPath,
    });
  });

  it('uses the OS config path of each platform', async () => {
    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      const paths = platformPaths({ platform, home, env: {} });
      expect(seedSearchOrder({ ...input, packaged: true, paths })).toEqual([paths.seedConfigPath]);
    }
    expect(platformPaths({ platform: 'darwin', home, env: {} }).seedConfigPath).toBe(
      path.join(home, 'Library', 'Application Support', 'Aether', 'seed.json'),
    );
  });

  it('counts a folder at a seed location as found, so loading reports it', async () => {
    await mkdir(path.join(home, 'seed.json'));
    await put(input.paths.seedConfigPath);
    expect(await discoverSeed(input)).toMatchObject({ source: 'development-home' });
    const find = seedFinder(input, { logger: silentLogger(), defaultApiUrl: 'https://api.example' });
    await expect(find()).rejects.toThrow('seed.json at ~/seed.json: is a folder, not a file.');
  });

  it('never falls through past an invalid seed', async () => {
    await put(path.join(home, 'seed.json'), '{"event_device_id": "bad id"}');
    await put(input.paths.seedConfigPath);
    const find = seedFinder(input, { logger: silentLogger(), defaultApiUrl: 'https://api.example' });
    await expect(find()).rejects.toThrow(/~\/seed\.json: event_device_id "bad id" may only hold/);
  });

  it('loads the seed it found and says where from', async () => {
    await put(input.paths.seedConfigPath, '{"event_device_id": "cfg-1", "aether_api_key": null}');
    const found = await seedFinder(
      { ...input, packaged: true },
      { logger: silentLogger(), defaultApiUrl: 'https://api.example/' },
    )();
    expect(found).toMatchObject({
      path: input.paths.seedConfigPath,
      location: { source: 'os-config', reason: 'the OS config path' },
      seed: { event_device_id: 'cfg-1', primary_api_base_url: 'https://api.example' },
    });
  });
});

describe('JSON syntax positions', () => {
  it('reads positions from both Node message forms and from end of input', () => {
    const text = '{\n  "a": }';
    expect(positionFromJsonErrorMessage('Unexpected token } in JSON at position 9', text)).toBe(9);
    expect(
      positionFromJsonErrorMessage(
        'Unexpected token \'}\', "{"a": }" is not valid JSON at position 9 (line 2 column 8)',
        text,
      ),
    ).toBe(9);
    expect(positionFromJsonErrorMessage('Unexpected end of JSON input', '{"a": 1')).toBe(7);
    expect(positionFromJsonErrorMessage('Unexpected token \'a\', "abc" is not valid JSON', 'abc')).toBeNull();
  });

  it('agrees with JSON.parse on what is valid', () => {
    const samples = [
      '{}',
      '[]',
      '{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"]}',
      '{"a": 01}',
      '[1 2]',
      '"\\x"',
      '{"a": tru}',
      '  ',
      '-',
      '{"a":"b\n"}',
    ];
    for (const text of samples) {
      let valid = true;
      try {
        JSON.parse(text);
      } catch {
        valid = false;
      }
      expect(findJsonSyntaxProblem(text) === null, text).toBe(valid);
    }
  });
});
