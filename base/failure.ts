/**
 * Typed failures: a failure is a value with a `code` (a discriminated union), never a string that
 * consumers parse. Each machine declares its union, and ONE `describe…` function next to it turns a
 * failure into the sentence people read; everything that decides (splash, CLI, status file) switches
 * on `code`.
 */

/** The shape every failure union member has: a literal `code` plus whatever the message needs. */
export interface Failure<Code extends string = string> {
  readonly code: Code;
}

/** The member of failure union `F` with code `C` (e.g. `FailureOf<BootstrapFailure, 'seed-invalid'>`). */
export type FailureOf<F extends Failure, C extends F['code']> = Extract<F, { code: C }>;

/** Narrows `failure` to one code without a cast. */
export function hasCode<F extends Failure, C extends F['code']>(
  failure: F | null | undefined,
  code: C,
): failure is FailureOf<F, C> {
  return failure?.code === code;
}

/**
 * Exhaustiveness for `switch`es over unions: `default: return assertNever(x)` stops compiling when a
 * new member is added and not handled. At run time (a value from outside the types) it throws.
 */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

/** The message of an unknown thrown value, for failures that carry what went wrong unexpectedly. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
