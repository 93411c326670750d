import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../apps/cli/main';
import { CliErrorOutput, VersionOutput } from '../apps/cli/output-schemas';
import { captureIo } from './cli-io-helpers';
import { useCleanups } from './support/cleanups';

const cleanups = useCleanups();
const BIN = path.join(process.cwd(), 'bin', 'aether-native.mjs');
const VERSION = (JSON.parse(readFileSync(path.join(process.cwd(), 'package.json'), 'utf8')) as { version: string })
  .version;

/** Node's parseArgs advice that must never reach a person. */
const NODE_ADVICE =
  /place it at the end|after '--'|Did you forget to specify the option argument|ERR_PARSE_ARGS|Unknown option '/;

async function cli(args: string[], env: Record<string, string | undefined> = {}) {
  const home = await cleanups.tempDir('cli-conventions');
  const io = captureIo({ HOME: home, ...env });
  const code = await main(args, io);
  return { code, out: io.out(), err: io.err(), home };
}

describe('aether-native conventions', () => {
  it('--version and -V print the package version, also as a real process; --json as an object', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, out: `aether-native ${VERSION}\n`, err: '' });
    expect(await cli(['-V'])).toMatchObject({ code: 0, out: `aether-native ${VERSION}\n` });
    const json = await cli(['--version', '--json']);
    expect(VersionOutput.parse(JSON.parse(json.out))).toEqual({ name: 'aether-native', version: VERSION });
    const real = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8', timeout: 60_000 });
    expect(real.status).toBe(0);
    expect(real.stdout).toBe(`aether-native ${VERSION}\n`);
  });

  it('the main help documents --version, --json and the exit codes', async () => {
    const { code, out } = await cli(['--help']);
    expect(code).toBe(0);
    expect(out).toContain('aether-native --version | -V');
    expect(out).toContain('--json');
    expect(out).toContain('exit codes: 0 done (or ready), 1 failed (or not ready), 2 wrong command line');
    const bare = await cli([]);
    expect(bare.code).toBe(2);
    expect(bare.err).toContain('usage: aether-native <command>');
  });

  it.each([
    ['status', ['--check', '--seed PATH', 'readiness check for scripts']],
    ['verify', ['Re-hashes every entry', 'quarantine']],
    ['gc', ['--dry-run', 'only list what would be removed', '--keep-list FILE', '--seed PATH']],
  ])('cache %s --help prints its own usage, not the others', async (sub, phrases) => {
    const { code, out } = await cli(['cache', sub, '--help']);
    expect(code).toBe(0);
    expect(out.startsWith(`usage: aether-native cache ${sub} `)).toBe(true);
    for (const other of ['status', 'verify', 'gc'].filter((o) => o !== sub))
      expect(out).not.toContain(`aether-native cache ${other}`);
    for (const phrase of phrases) expect(out).toContain(phrase);
    expect(out).toContain('exit codes: 0');
  });

  it('--seed is explained wherever it is taken, and every command has its own help', async () => {
    for (const args of [['cache', 'status'], ['cache', 'gc'], ['prefetch'], ['doctor']]) {
      expect((await cli([...args, '--help'])).out).toMatch(/--seed PATH {2,}(the seed\.json|use this seed\.json)/);
    }
    for (const name of ['doctor', 'simulate', 'prefetch', 'provision', 'release']) {
      const { code, out } = await cli([name, '--help']);
      expect(code).toBe(0);
      expect(out.startsWith(`usage: aether-native ${name}`)).toBe(true);
      expect(out).toContain('--json');
    }
    expect((await cli(['fleet', 'status', '--help'])).out.startsWith('usage: aether-native fleet status')).toBe(true);
    expect((await cli(['cache', '--help'])).out).toContain('aether-native cache <status|verify|gc> --help');
  });

  it.each([
    [
      ['cache', 'status', '--frobnicate'],
      /^aether-native cache status: unknown option --frobnicate\. Options here: --json, --check, --seed, --cache-dir\.\nusage: aether-native cache status .*\nRun `aether-native cache status --help` for the options\.\n$/,
    ],
    [['cache', 'gc', '--dryrun'], /^aether-native cache gc: unknown option --dryrun\. Did you mean --dry-run\?/],
    [['doctor', '--seed'], /^aether-native doctor: --seed needs a value\.\n/],
    [
      ['doctor', '--seed', '--json'],
      /^aether-native doctor: --seed needs a value, but the next word is the option "--json"\. If the value really starts with a dash, write --seed=--json\.\n/,
    ],
    [['doctor', '--json=yes'], /^aether-native doctor: --json is a switch and takes no value \(found "yes"\)\.\n/],
    [
      ['prefetch', 'extra'],
      /^aether-native prefetch: unexpected argument "extra"; this command takes only options\.\n/,
    ],
    [['cache', 'status', '--\u001b[2Jx'], /^aether-native cache status: unknown option --\?\[2Jx\./],
    [
      ['release', '--version', '1.8', '--file', 'nope.zip', '--share', '/nonexistent'],
      /^aether-native release: nope\.zip is not a file/,
    ],
    [['--json'], /^aether-native: "--json" is not an option of aether-native itself; options go after the command/],
  ])(
    '%j: one plain-language line, usage, exit code 2 (or 1 for a failure), never Node advice',
    async (args, message) => {
      const { code, err } = await cli(args);
      expect(err).toMatch(message);
      expect(err).not.toMatch(NODE_ADVICE);
      expect(err).not.toContain('\u001b');
      expect(code).toBe(args[0] === 'release' ? 1 : 2);
    },
  );

  it('with --json an error is also one JSON object on stdout, kind usage (2) or failure (1)', async () => {
    const usage = await cli(['cache', 'status', '--json', '--bogus']);
    expect(usage.code).toBe(2);
    expect(CliErrorOutput.parse(JSON.parse(usage.out)).error).toEqual({
      kind: 'usage',
      message: expect.stringContaining('unknown option --bogus'),
    });
    const failure = await cli(['fleet', 'status', '--json', '--share', '/nonexistent/share']);
    expect(failure.code).toBe(1);
    expect(CliErrorOutput.parse(JSON.parse(failure.out)).error).toEqual({
      kind: 'failure',
      message: expect.stringContaining('/nonexistent/share (from --share) does not exist'),
    });
    expect(failure.err).toContain('does not exist');
  });
});
