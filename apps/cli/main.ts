import type { CliIo, Command } from './command';
import { UsageError } from './command';
import { agentCommand } from './commands/agent';
import { cacheCommand } from './commands/cache';
import { doctorCommand } from './commands/doctor';
import { fleetCommand } from './commands/fleet';
import { prefetchCommand } from './commands/prefetch';
import { provisionCommand } from './commands/provision';
import { releaseCommand } from './commands/release';
import { simulateCommand } from './commands/simulate';

const COMMANDS: Record<string, Command> = {
  doctor: doctorCommand,
  simulate: simulateCommand,
  cache: cacheCommand,
  prefetch: prefetchCommand,
  release: releaseCommand,
  provision: provisionCommand,
  fleet: fleetCommand,
  agent: agentCommand,
};

function help(): string {
  const rows = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return ['usage: aether-native <command> [options]', '', 'commands:', ...rows, '', 'Run `aether-native <command> --help` for its options.', ''].join('\n');
}

export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(help());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`aether-native: unknown command "${name}"\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`aether-native ${name}: ${err.message}\n${command.usage}\n`);
      return 2;
    }
    // Anything else is a bug: one line for the user, the details only when asked for.
    const message = err instanceof Error ? err.message : String(err);
    io.stderr.write(`aether-native ${name}: ${message}\n`);
    if (io.env.AETHER_DEBUG) io.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
    return 1;
  }
}
