import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command';
import { printableCapped } from './terminal-text';

/**
 * `parseArgs` with errors a person can act on. Node's own messages give advice that does not fit a
 * command line tool ("place it at the end of the command after '--'", "Did you forget to specify the
 * option argument"), so the arguments are first read leniently as tokens and checked here, and only
 * then parsed strictly for their typed values.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const options = config.options ?? {};
  const { tokens } = parseArgs({ args: config.args, options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional' && !config.allowPositionals)
      throw new UsageError(`unexpected argument "${shown(token.value)}"; this command takes only options.`);
    if (token.kind !== 'option') continue;
    const spec = options[token.name];
    const raw = shown(token.rawName);
    if (!spec) throw new UsageError(`unknown option ${raw}.${suggestion(token.name, Object.keys(options))}`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined)
        throw new UsageError(`${raw} is a switch and takes no value (found "${shown(token.value)}").`);
      continue;
    }
    if (token.value === undefined) throw new UsageError(`${raw} needs a value.`);
    if (!token.inlineValue && token.value.startsWith('-') && token.value.length > 1) {
      throw new UsageError(
        `${raw} needs a value, but the next word is the option "${shown(token.value)}". If the value really starts with a dash, write ${raw}=${shown(token.value)}.`,
      );
    }
  }
  try {
    return parseArgs({ ...config, strict: true }) as ReturnType<typeof parseArgs<T>>;
  } catch (err) {
    // The checks above cover what strict parsing refuses; this is a safety net, still one plain line.
    throw new UsageError(
      `the options could not be read (${err instanceof Error ? err.message.split('\n', 1)[0] : String(err)}).`,
    );
  }
}

/** "did you mean --cache-dir?" for a near miss (a typo of one or two letters, or a prefix). */
function suggestion(name: string, known: readonly string[]): string {
  const near = known.filter(
    (k) => k.length > 1 && (k.startsWith(name) || name.startsWith(k) || editDistance(k, name) <= 2),
  );
  const list = known.filter((k) => k.length > 1).map((k) => `--${k}`);
  const hint = near.length > 0 ? ` Did you mean --${near[0]}?` : '';
  return `${hint} Options here: ${list.join(', ') || 'none'}.`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Arguments are echoed in errors: a pasted escape sequence must not reach the terminal raw. */
function shown(text: string): string {
  return printableCapped(text, 80);
}
