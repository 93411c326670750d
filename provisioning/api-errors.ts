import type { z } from 'zod';
import { redactText } from '../base/logger';

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
    super(`no Aether API answered ${call}: ${attempts.map((a) => `${a.url} (${a.why})`).join('; ') || 'no base URL configured'}`);
  }
}

/** The API answered, but not with what the contract says (not JSON, or failing the schema). */
export class ApiBadResponseError extends ApiError {
  override name = 'ApiBadResponseError';
  readonly kind = 'bad-response';
  constructor(
    readonly call: string,
    readonly url: string,
    readonly problems: string[],
  ) {
    super(`the Aether API at ${url} answered ${call} with an unusable response: ${problems.join('; ')}`);
  }
}

/** zod issues as "path: message" lines, e.g. `app_base_url: must be an absolute http: or https: URL`. */
export function summariseIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string[] {
  const lines = issues.slice(0, limit).map((issue) => `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`);
  if (issues.length > limit) lines.push(`and ${issues.length - limit} more`);
  return lines;
}

/** The API's own `{error}` text, shortened and scrubbed: it ends up in messages people read. */
export function apiErrorText(body: string): string {
  let text = body;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as { error?: unknown }).error === 'string') text = (parsed as { error: string }).error;
  } catch {
    // Not JSON: show the start of the text as it is.
  }
  const clean = redactText(text.replace(/\s+/g, ' ').trim());
  return clean.length > 160 ? `${clean.slice(0, 157)}...` : clean;
}
