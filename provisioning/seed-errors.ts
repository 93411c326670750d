/** Shows a path the way a person would type it: the home folder as `~`. */
export function displayPath(file: string, home?: string): string {
  if (!home) return file;
  const h = home.replace(/[\\/]+$/, '');
  if (file === h) return '~';
  for (const sep of ['/', '\\']) {
    if (file.startsWith(h + sep)) return `~${sep}${file.slice(h.length + 1)}`;
  }
  return file;
}

export interface SeedErrorDetails {
  /** The seed file as given (absolute or as typed). */
  path: string;
  /** How the path is shown to people (home as `~`). */
  shownPath: string;
  /** The field at fault, when one is. */
  field?: string;
  problem: string;
  fix: string;
}

/** A seed that cannot be used. The message says which file, which field, what is wrong and how to fix it. */
export class SeedError extends Error {
  override name = 'SeedError';
  readonly path: string;
  readonly shownPath: string;
  readonly field: string | undefined;
  readonly problem: string;
  readonly fix: string;

  constructor(details: SeedErrorDetails) {
    const subject = details.field ? `${details.field} ${details.problem}` : details.problem;
    super(`seed.json at ${details.shownPath}: ${subject}. ${details.fix}`);
    this.path = details.path;
    this.shownPath = details.shownPath;
    this.field = details.field;
    this.problem = details.problem;
    this.fix = details.fix;
  }
}

export function seedErrorFor(
  file: string,
  home: string | undefined,
  details: Omit<SeedErrorDetails, 'path' | 'shownPath'>,
): SeedError {
  return new SeedError({ path: file, shownPath: displayPath(file, home), ...details });
}
