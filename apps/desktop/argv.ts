/** The command line of the desktop app: `--seed <path>`, `--demo`, `--windowed`. Unknown flags are ignored (Chromium adds its own). */
export interface DesktopArgs {
  seed?: string;
  demo: boolean;
  windowed: boolean;
}

export class ArgumentError extends Error {
  override name = 'ArgumentError';
}

export function parseDesktopArgs(argv: readonly string[]): DesktopArgs {
  const args: DesktopArgs = { demo: false, windowed: false };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--demo') args.demo = true;
    else if (arg === '--windowed') args.windowed = true;
    else if (arg.startsWith('--seed=')) args.seed = nonEmpty(arg.slice('--seed='.length));
    else if (arg === '--seed') {
      args.seed = nonEmpty(argv[i + 1]);
      i += 1;
    }
  }
  return args;
}

function nonEmpty(value: string | undefined): string {
  if (!value || value.startsWith('--')) throw new ArgumentError('--seed needs a path, e.g. --seed ~/seed.json');
  return value;
}
