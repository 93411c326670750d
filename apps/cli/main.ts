import { readFileSync } from 'node:fs';
import type { CliIo, Command, HelpTopic } from './command';
import { CommandError, EXIT, UsageError } from './command';
import { CliErrorOutput, VersionOutput, writeJson } from './output-schemas';
import { printable } from './terminal-text';

/**
 * Each command's module is loaded only when it runs: through tsx every imported file is compiled at
 * start, so `--version` or one command's `--help` must not pay for all of them.
 */
const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  doctor: {
    summary: 'check the seed, API, device, folders, share and hostname; one bootstrap attempt',
    load: async () => (await import('./commands/doctor')).doctorCommand,
  },
  simulate: {
    summary: 'run the Aether V3 API simulator with the demo device, files and launcher page',
    load: async () => (await import('./commands/simulate')).simulateCommand,
  },
  cache: {
    summary: 'inspect and maintain the file cache: status [--check], verify, gc [--dry-run]',
    load: async () => (await import('./commands/cache')).cacheCommand,
  },
  prefetch: {
    summary: "fill the cache with the device's event files, with live progress (--demo: from the simulator)",
    load: async () => (await import('./commands/prefetch')).prefetchCommand,
  },
  release: {
    summary: 'publish a build and its version.json to the share; --prune KEEP removes old builds',
    load: async () => (await import('./commands/release')).releaseCommand,
  },
  provision: {
    summary: 'write a seed for a laptop into the share (zero-touch provisioning)',
    load: async () => (await import('./commands/provision')).provisionCommand,
  },
  fleet: {
    summary: 'show which laptops run which version and how complete their caches are',
    load: async () => (await import('./commands/fleet')).fleetCommand,
  },
  agent: {
    summary: "run the app's core headless, as a laptop would (zero-touch, bootstrap, cache sync, status file)",
    load: async () => (await import('./commands/agent')).agentCommand,
  },
};

/** Said once here and at the end of every command's help. */
export const EXIT_CODES_HELP = `exit codes: 0 done (or ready), 1 failed (or not ready), 2 wrong command line`;

/** The version of this checkout: package.json's, the same number the app is built with. */
export function cliVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return [
    'usage: aether-native <command> [options]',
    '       aether-native --version | -V',
    '',
    'commands:',
    ...rows,
    '',
    'Run `aether-native <command> --help` for its options (`aether-native cache gc --help` for a subcommand).',
    'Every command takes --json: one JSON object on stdout (shapes in apps/cli/README.md), errors included.',
    EXIT_CODES_HELP,
    '',
  ].join('\n');
}

/** Options before a lone `--` (after it, `--json` or `--help` would be a value, not a switch). */
function optionWords(args: readonly string[]): readonly string[] {
  const end = args.indexOf('--');
  return end === -1 ? args : args.slice(0, end);
}

export async function main(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env },
): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    (name ? io.stdout : io.stderr).write(help());
    return name ? EXIT.ok : EXIT.usage;
  }
  if (name === '--version' || name === '-V') {
    if (rest.includes('--json')) writeJson(io.stdout, VersionOutput, { name: 'aether-native', version: cliVersion() });
    else io.stdout.write(`aether-native ${cliVersion()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    const hint = name.startsWith('-')
      ? `"${name}" is not an option of aether-native itself; options go after the command`
      : `unknown command "${name}"`;
    io.stderr.write(`aether-native: ${hint}\n\n${help()}`);
    return EXIT.usage;
  }
  const command = await entry.load();
  const words = optionWords(rest);
  const topic: HelpTopic = command.help(rest);
  if (words.includes('--help') || words.includes('-h')) {
    io.stdout.write(`${topic.usage}\n\n${EXIT_CODES_HELP}\n`);
    return EXIT.ok;
  }
  const json = words.includes('--json');
  try {
    return await command.run(rest, io);
  } catch (err) {
    const usage = err instanceof UsageError;
    const known = usage || err instanceof CommandError;
    // Anything not known is a bug: still one line for the user, the stack only when asked for.
    const message = err instanceof Error ? err.message : String(err);
    // After a usage error, the synopsis and where the rest is; the whole help would push the error off screen.
    const synopsis = `${topic.usage.split('\n\n', 1)[0]}\nRun \`aether-native ${topic.label} --help\` for the options.\n`;
    io.stderr.write(`aether-native ${topic.label}: ${printable(message)}\n${usage ? synopsis : ''}`);
    if (!known && io.env.AETHER_DEBUG) io.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
    if (json) writeJson(io.stdout, CliErrorOutput, { error: { kind: usage ? 'usage' : 'failure', message } });
    return usage ? EXIT.usage : EXIT.failure;
  }
}
