import { spawnSync } from 'node:child_process';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeedError } from '../provisioning/seed-errors';
import { SEED_MAX_BYTES, type SeedFileReader, fsSeedReader, loadSeed } from '../provisioning/seed-load';

const DEFAULT_API = 'https://api.default.example';
let home: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), 'seed-test-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), lines };
}

async function seedFile(name: string, content: string | Uint8Array): Promise<string> {
  const file = path.join(home, name);
  await writeFile(file, content);
  return file;
}

async function loadError(file: string, reader?: SeedFileReader): Promise<SeedError> {
  const result = await loadSeed(file, {
    logger: capture().logger,
    defaultApiUrl: DEFAULT_API,
    home,
    ...(reader ? { reader } : {}),
  }).then(
    () => null,
    (err: unknown) => err,
  );
  expect(result).toBeInstanceOf(SeedError);
  const err = result as SeedError;
  expect(err.message).not.toMatch(/\n\s+at /);
  return err;
}

describe('loadSeed: valid seeds', () => {
  it('reads a full seed and strips trailing slashes from the base URLs', async () => {
    const file = await seedFile(
      'full.json',
      JSON.stringify({
        event_device_id: 'dbgMWS3KEHE',
        primary_api_base_url: 'https://api.example.com/',
        backup_api_base_url: 'http://backup.example.com:8080//',
        onsite_api_base_url: null,
        aether_api_key: 'k-123456',
      }),
    );
    const loaded = await loadSeed(file, { logger: capture().logger, defaultApiUrl: DEFAULT_API });
    expect(loaded).toEqual({
      path: file,
      warnings: [],
      seed: {
        event_device_id: 'dbgMWS3KEHE',
        primary_api_base_url: 'https://api.example.com',
        backup_api_base_url: 'http://backup.example.com:8080',
        onsite_api_base_url: null,
        aether_api_key: 'k-123456',
      },
    });
  });

  it('falls back to the build default API URL when the primary is missing or null', async () => {
    for (const [name, body] of [
      ['missing.json', { event_device_id: 'a_b-C' }],
      ['null.json', { event_device_id: 'a', primary_api_base_url: null }],
    ] as const) {
      const loaded = await loadSeed(await seedFile(name, JSON.stringify(body)), {
        logger: capture().logger,
        defaultApiUrl: `${DEFAULT_API}/`,
      });
      expect(loaded.seed.primary_api_base_url).toBe(DEFAULT_API);
      expect(loaded.seed.aether_api_key).toBeNull();
    }
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = await seedFile('bom.json', `\uFEFF${JSON.stringify({ event_device_id: 'bom1' })}`);
    expect((await loadSeed(file, { logger: capture().logger, defaultApiUrl: DEFAULT_API })).seed.event_device_id).toBe(
      'bom1',
    );
  });

  it('ignores unknown fields with one logged warning each, naming the file with ~', async () => {
    const file = await seedFile(
      'unknown.json',
      JSON.stringify({ event_device_id: 'u1', colour: 'blue', aether_api_key: 'sekret-key-value' }),
    );
    const { logger, lines } = capture();
    const loaded = await loadSeed(file, { logger, defaultApiUrl: DEFAULT_API, home });
    expect(loaded.warnings).toEqual(['seed.json at ~/unknown.json: unknown field "colour" is ignored']);
    expect(lines.filter((l) => l.includes('colour'))).toHaveLength(1);
    expect(lines.join('')).not.toContain('sekret-key-value');
  });
});

describe('loadSeed: malformed seeds', () => {
  const cases: Array<[string, string | Uint8Array, RegExp]> = [
    [
      'missing-id.json',
      '{"aether_api_key": "x"}',
      /^seed\.json at ~\/missing-id\.json: event_device_id is missing\. Set "event_device_id"/,
    ],
    ['empty-id.json', '{"event_device_id": ""}', /event_device_id "" is empty\./],
    [
      'space-id.json',
      '{"event_device_id": "abc def"}',
      /event_device_id "abc def" may only hold letters, digits, "_" and "-"/,
    ],
    [
      'long-id.json',
      JSON.stringify({ event_device_id: 'a'.repeat(65) }),
      /event_device_id "a{36}\.\.\. is longer than 64 characters/,
    ],
    ['number-id.json', '{"event_device_id": 42}', /event_device_id must be a string, found number 42/],
    ['null-id.json', '{"event_device_id": null}', /event_device_id must be a string, found null/],
    [
      'bad-primary.json',
      '{"event_device_id": "a", "primary_api_base_url": "api.example.com"}',
      /primary_api_base_url "api\.example\.com" must be an absolute http: or https: URL\. Use an absolute URL/,
    ],
    [
      'ftp-backup.json',
      '{"event_device_id": "a", "backup_api_base_url": "ftp://files.example.com"}',
      /backup_api_base_url "ftp:\/\/files\.example\.com" must be an absolute http: or https: URL/,
    ],
    [
      'relative-onsite.json',
      '{"event_device_id": "a", "onsite_api_base_url": "/api"}',
      /onsite_api_base_url "\/api" must be an absolute http: or https: URL/,
    ],
    [
      'number-key.json',
      '{"event_device_id": "a", "aether_api_key": 1234}',
      /aether_api_key must be a string, found a number \(its value is not shown\)\. Write the key as a string in quotes/,
    ],
    [
      'two-problems.json',
      '{"event_device_id": "", "aether_api_key": 5}',
      /event_device_id "" is empty \(and 1 more field with problems\)/,
    ],
    [
      'trailing-comma.json',
      '{\n  "event_device_id": "a",\n}\n',
      /is not valid JSON at line 3, column 1: expected a property name in double quotes, found character "}" \(a trailing comma\?\)\. Fix the JSON syntax there\./,
    ],
    [
      'missing-comma.json',
      '{\n  "event_device_id": "a"\n  "aether_api_key": null\n}',
      /is not valid JSON at line 3, column 3: expected "," or "}", found character "\\"" \(a missing comma\?\)/,
    ],
    [
      'truncated.json',
      '{\n  "event_device_id": "a',
      /is not valid JSON at line 2, column 24: the file ends inside a string/,
    ],
    [
      'cut-after-colon.json',
      '{"event_device_id":',
      /is not valid JSON at line 1, column 20: the file ends where a value was expected/,
    ],
    ['single-quotes.json', "{'event_device_id': 'a'}", /line 1, column 2: .*\(JSON needs double quotes\)/],
    [
      'two-values.json',
      '{"event_device_id": "a"} {}',
      /line 1, column 26: unexpected character "\{" after the end of the JSON value/,
    ],
    ['empty.json', '', /: is empty\. It must hold a JSON object with at least "event_device_id"\./],
    ['blank.json', ' \n\t\n', /: is empty\./],
    ['array.json', '[{"event_device_id": "a"}]', /must hold a JSON object \(\{ \.\.\. \}\), but holds an array/],
    ['string.json', '"dbgMWS3KEHE"', /must hold a JSON object .* but holds a string/],
    ['null.json', 'null', /must hold a JSON object .* but holds null/],
    ['number.json', '12', /but holds a number/],
    [
      'latin1.json',
      new Uint8Array([0x7b, 0x22, 0x61, 0xe9, 0x22, 0x7d]),
      /: is not UTF-8 text\. Save it as UTF-8 JSON\./,
    ],
  ];

  it.each(cases)('%s', async (name, content, expected) => {
    const err = await loadError(await seedFile(name, content));
    expect(err.message).toMatch(expected);
    expect(err.message.startsWith(`seed.json at ~/${name}: `)).toBe(true);
  });

  it('reports the field on the error object', async () => {
    const err = await loadError(await seedFile('field.json', '{"event_device_id": "a", "backup_api_base_url": 7}'));
    expect(err.field).toBe('backup_api_base_url');
    expect(err.path).toBe(path.join(home, 'field.json'));
  });

  it('refuses a folder', async () => {
    const dir = path.join(home, 'folder.json');
    await mkdir(dir);
    expect((await loadError(dir)).message).toBe(
      'seed.json at ~/folder.json: is a folder, not a file. Point to the seed file inside it, e.g. <folder>/seed.json.',
    );
  });

  it('refuses a FIFO instead of blocking on it', async () => {
    const fifo = path.join(home, 'fifo.json');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect((await loadError(fifo)).message).toBe(
      'seed.json at ~/fifo.json: is not a regular file. Use a plain JSON file.',
    );
  });

  it('reports a missing file', async () => {
    expect((await loadError(path.join(home, 'nope.json'))).message).toMatch(
      /~\/nope\.json: does not exist\. Create it, or pass the right path with --seed or AETHER_SEED\./,
    );
  });

  it('refuses a huge file without reading it', async () => {
    const file = await seedFile('huge.json', `{"event_device_id": "a", "pad": "${'x'.repeat(SEED_MAX_BYTES)}"}`);
    let reads = 0;
    const counting: SeedFileReader = {
      stat: fsSeedReader.stat,
      read: (f, max) => ((reads += 1), fsSeedReader.read(f, max)),
    };
    expect((await loadError(file, counting)).message).toMatch(
      /huge\.json: is 64\.0 KiB, more than a seed can be \(at most 64 KiB\)\. Check that the path names the seed file/,
    );
    expect(reads).toBe(0);
  });

  it('refuses a file that grew past the limit between stat and read', async () => {
    const file = await seedFile('growing.json', '{"event_device_id": "a"}');
    const growing: SeedFileReader = { stat: fsSeedReader.stat, read: async (_f, max) => new Uint8Array(max + 1) };
    expect((await loadError(file, growing)).message).toMatch(/growing\.json: is over 64 KiB/);
  });

  // Tests run as root, so chmod cannot make a file unreadable: the reader raises EACCES the way fs does.
  it('reports an unreadable file (EACCES from the reader)', async () => {
    const file = await seedFile('locked.json', '{"event_device_id": "a"}');
    const denied: SeedFileReader = {
      stat: fsSeedReader.stat,
      read: async () => {
        throw Object.assign(new Error(`EACCES: permission denied, open '${file}'`), { code: 'EACCES' });
      },
    };
    expect((await loadError(file, denied)).message).toBe(
      'seed.json at ~/locked.json: cannot be read (permission denied). Make it readable by the user running Aether, e.g. chmod 644.',
    );
  });

  it('shows absolute paths outside the home folder as they are', async () => {
    const err = await loadSeed(path.join(home, 'nope.json'), {
      logger: capture().logger,
      defaultApiUrl: DEFAULT_API,
    }).then(
      () => new SeedError({ path: '', shownPath: '', problem: 'loaded', fix: '' }),
      (e: unknown) => e as SeedError,
    );
    expect(err.message.startsWith(`seed.json at ${path.join(home, 'nope.json')}:`)).toBe(true);
  });
});
