import { assertNever } from '../../../base/failure';
import type { BootstrapFailure, BootstrapState } from '../../../provisioning/bootstrap-state';

/**
 * What the splash says about bootstrap: a headline chosen by state and, for a failure, by its typed
 * code (never by reading the sentence), and the detail line underneath (the failure's own sentence,
 * or what is being waited for or asked).
 */

const LABELS: Record<Exclude<BootstrapState['kind'], 'failed'>, string> = {
  'seeking-seed': 'Looking for this laptop’s seed…',
  authenticating: 'Signing in to the Aether API…',
  identifying: 'Asking who this laptop is…',
  hydrating: 'Loading the room’s settings…',
  ready: 'Ready: opening the launcher…',
  'offline-ready': 'Offline: opening the launcher with what this laptop knew…',
};

/** Every failure keeps being retried; the headline says what ops would have to fix, if anything. */
function failedHeadline(failure: BootstrapFailure): string {
  switch (failure.code) {
    case 'seed-invalid':
    case 'seed-unreadable':
      return 'This laptop’s seed.json needs fixing; retrying…';
    case 'seed-missing':
      return 'No seed.json for this laptop yet; retrying…';
    case 'api-unauthorized':
      return 'The Aether API refused this laptop’s key; retrying…';
    case 'api-not-found':
      return 'The Aether API does not know this laptop; retrying…';
    case 'api-unreachable':
    case 'api-bad-response':
      return 'The Aether API cannot be used right now; retrying…';
    case 'stopped':
    case 'unexpected':
      return 'Could not start yet; retrying…';
    default:
      return assertNever(failure, 'bootstrap failure');
  }
}

export function bootstrapHeadline(state: BootstrapState): string {
  return state.kind === 'failed' ? failedHeadline(state.failure) : LABELS[state.kind];
}

export function bootstrapDetail(state: BootstrapState): string {
  if (state.kind === 'seeking-seed')
    return state.waitingFor
      ? `Waiting for ${state.waitingFor.file} in ${state.waitingFor.folder}`
      : (state.problem ?? '');
  if (state.kind === 'failed' || state.kind === 'offline-ready') return state.reason;
  return 'api' in state && state.api ? state.api : '';
}
