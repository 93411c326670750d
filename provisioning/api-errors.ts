import type { z } from 'zod';
import { redactText } from '../base/logger';
import { MIN_MASKED_LENGTH, maskSecrets } from '../base/secret-mask';

/** Every error the API client throws. Messages name the call and the URL, never a key or a token. */
export abstract class ApiError extends Error {
  abstract readonly kind: 'unauthorized' | 'not-found' | 'unreachable' | 'bad-response';
}

/** The API answered 401, or it needs a key the seed does not have. An answer: no failover. */
export class ApiUnauthorizedError extends ApiError {
  override name = 'ApiUnauthorizedError';
  readonly kind = 'unauthorized';
  constructor(
    message: string,
    readonly reason: 'missing-key' | 'bad-key' | 'token-refused',
  ) {
    super(message);
  }
}

/** The API answered 404 for the device (or another record). An answer: no failover. */
export class ApiNotFoundError extends ApiError {
  override name = 'ApiNotFoundError';
  readonly kind = 'not-found';
}

export interface AttemptFailure {
  url: string;
  why: string;
}

/** No base URL answered: each one tried and why it failed (refused, timed out, 5xx, dropped). */
export class ApiUnreachableError extends ApiError {
  override name = 'ApiUnreachableError';
  readonly kind = 'unreachable';
  constructor(
    readonly call: string,
    readonly attempts: AttemptFailure[],
  ) {
    super(
      `no Aether API answered ${call}: ${attempts.map((a) => `${a.url} (${a.why})`).join('; ') || 'no base URL configured'}`,
    );
  }
}

/** Why an answer was unusable, as a code a caller can switch on. */
export type BadResponseReason =
  'not-json' | 'schema' | 'unexpected-status' | 'redirect' | 'too-large' | 'bad-encoding' | 'site-domain-mismatch';

/** The API answered, but not with what the contract says (not JSON, failing the schema, too large). */
export class ApiBadResponseError extends ApiError {
  override name = 'ApiBadResponseError';
  readonly kind = 'bad-response';
  constructor(
    readonly call: string,
    readonly url: string,
    readonly problems: string[],
    readonly reason: BadResponseReason = 'schema',
  ) {
    super(`the Aether API at ${url} answered ${call} with an unusable response: ${problems.join('; ')}`);
  }
}

/** zod issues as "path: message" lines, e.g. `app_base_url: must be an absolute http: or https: URL`. */
export function summariseIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string[] {
  const lines = issues
    .slice(0, limit)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  if (issues.length > limit) lines.push(`and ${issues.length - limit} more`);
  return lines;
}

/**
 * The API's own `{error}` text (or the start of a non-JSON body), for messages people read: one line
 * of printable text, at most 160 characters, with every shape of the key and tokens masked
 * (`secrets`). A body holding a secret too short to mask safely is withheld entirely.
 */
export function apiErrorText(body: string, secrets: readonly (string | null | undefined)[] = []): string {
  if (
    secrets.some(
      (secret) =>
        typeof secret === 'string' && secret.length > 0 && secret.length < MIN_MASKED_LENGTH && body.includes(secret),
    )
  ) {
    return '(its text is withheld: it echoed a credential)';
  }
  let text = body.length > 64 * 1024 ? body.slice(0, 64 * 1024) : body;
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string')
      text = (parsed as { error: string }).error;
  } catch {
    // Not JSON: show the start of the text as it is.
  }
  // Masked before it is shortened, so a secret cut in half by the limit is still masked whole.
  const masked = maskSecrets(redactText(text), secrets);
  // Control characters, and bidi overrides that reorder what a terminal or the splash shows.
  const clean = masked
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
}
