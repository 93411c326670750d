import { type ApiError, ApiUnauthorizedError } from './api-errors';
import { assertNever, errorText } from '../base/failure';
import { SeedError } from './seed-errors';

/**
 * Why bootstrap (or zero-touch) has no identity: a typed code the splash, `device.status`, the status
 * file and the CLI switch on, plus what the one message below needs. API failures keep the client's
 * own sentence (`detail`, already worded for people and scrubbed of secrets) next to their code.
 */
export type BootstrapFailure =
  /** A seed file exists but cannot be used: which file, which field, what is wrong, how to fix it. */
  | { code: 'seed-invalid'; file: string; shownPath: string; field?: string; problem: string; fix: string }
  /** A seed in the share could not be read or copied for a reason other than its content. */
  | { code: 'seed-unreadable'; file: string; detail: string }
  /** No seed anywhere bootstrap looks, and no zero-touch waiting configured. */
  | { code: 'seed-missing'; searched: string[] }
  /** Stopped (quit) while waiting for a seed in the share. */
  | { code: 'stopped' }
  /** The API refused the key or the session token (401), or a key is needed and the seed has none. */
  | { code: 'api-unauthorized'; api: string | null; why: 'missing-key' | 'bad-key' | 'token-refused'; detail: string }
  /** The API answered 404 for the device or its records. */
  | { code: 'api-not-found'; api: string | null; detail: string }
  /** No base URL answered (refused, timed out, 5xx). */
  | { code: 'api-unreachable'; api: string | null; detail: string }
  /** The API answered, but not with what the contract says. */
  | { code: 'api-bad-response'; api: string | null; detail: string }
  /** A bug or an environment problem no code above names; logged with its stack where it happened. */
  | { code: 'unexpected'; detail: string };

export type BootstrapFailureCode = BootstrapFailure['code'];

/** The failures zero-touch reports while it waits for a seed in the share. */
export type SeedProblem = Extract<BootstrapFailure, { code: 'seed-invalid' | 'seed-unreadable' }>;

/** The one place a bootstrap failure becomes the sentence people read. */
export function describeBootstrapFailure(failure: BootstrapFailure): string {
  switch (failure.code) {
    case 'seed-invalid':
      return `seed.json at ${failure.shownPath}: ${failure.field ? `${failure.field} ` : ''}${failure.problem}. ${failure.fix}`;
    case 'seed-unreadable':
      return failure.detail;
    case 'seed-missing': {
      const where = failure.searched.length ? ` (looked at ${failure.searched.join(', ')})` : '';
      return `no seed.json found${where}; put one there or pass --seed <path>`;
    }
    case 'stopped':
      return 'stopped while waiting for a seed';
    case 'api-unauthorized':
    case 'api-not-found':
    case 'api-unreachable':
    case 'api-bad-response':
      return failure.detail;
    case 'unexpected':
      return `unexpected error: ${failure.detail}`;
    default:
      return assertNever(failure, 'bootstrap failure');
  }
}

export function seedFailure(err: SeedError): Extract<BootstrapFailure, { code: 'seed-invalid' }> {
  return {
    code: 'seed-invalid',
    file: err.path,
    shownPath: err.shownPath,
    ...(err.field ? { field: err.field } : {}),
    problem: err.problem,
    fix: err.fix,
  };
}

/** What zero-touch shows for a seed in the share it cannot use. */
export function seedProblem(file: string, err: unknown): SeedProblem {
  return err instanceof SeedError ? seedFailure(err) : { code: 'seed-unreadable', file, detail: errorText(err) };
}

/** A typed failure for every error the API client throws; `api` is the base URL in use. */
export function apiFailure(err: ApiError, api: string | null): BootstrapFailure {
  const detail = err.message;
  switch (err.kind) {
    case 'unauthorized':
      return {
        code: 'api-unauthorized',
        api,
        why: err instanceof ApiUnauthorizedError ? err.reason : 'bad-key',
        detail,
      };
    case 'not-found':
      return { code: 'api-not-found', api, detail };
    case 'unreachable':
      return { code: 'api-unreachable', api, detail };
    case 'bad-response':
      return { code: 'api-bad-response', api, detail };
    default:
      return assertNever(err.kind, 'API error kind');
  }
}
