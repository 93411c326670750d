import { describe, expect, it } from 'vitest';
import { bootstrapDetail, bootstrapHeadline } from '../apps/desktop/splash/bootstrap-line';
import { type BootstrapFailure, type BootstrapState, bootstrapStep } from '../provisioning/bootstrap-state';

/** The splash's bootstrap lines: the headline follows the failure's code, the detail shows its sentence. */

const failed = (failure: BootstrapFailure): BootstrapState =>
  bootstrapStep({ kind: 'seeking-seed' }, { type: 'failed', failure, at: 0, retryInMs: 1_000 }).state;

describe('the splash’s bootstrap lines', () => {
  it.each<[BootstrapFailure, string]>([
    [
      {
        code: 'seed-invalid',
        file: '/s.json',
        shownPath: '~/seed.json',
        field: 'event_device_id',
        problem: 'is missing',
        fix: 'Add it.',
      },
      'This laptop’s seed.json needs fixing; retrying…',
    ],
    [{ code: 'seed-unreadable', file: '/s.json', detail: 'EACCES' }, 'This laptop’s seed.json needs fixing; retrying…'],
    [{ code: 'seed-missing', searched: ['~/seed.json'] }, 'No seed.json for this laptop yet; retrying…'],
    [
      { code: 'api-unauthorized', api: 'http://a', why: 'bad-key', detail: 'refused the key' },
      'The Aether API refused this laptop’s key; retrying…',
    ],
    [
      { code: 'api-not-found', api: 'http://a', detail: 'does not know device' },
      'The Aether API does not know this laptop; retrying…',
    ],
    [
      { code: 'api-unreachable', api: null, detail: 'no Aether API answered' },
      'The Aether API cannot be used right now; retrying…',
    ],
    [
      { code: 'api-bad-response', api: 'http://a', detail: 'unusable response' },
      'The Aether API cannot be used right now; retrying…',
    ],
    [{ code: 'stopped' }, 'Could not start yet; retrying…'],
    [{ code: 'unexpected', detail: 'boom' }, 'Could not start yet; retrying…'],
  ])('%o', (failure, headline) => {
    const state = failed(failure);
    expect(bootstrapHeadline(state)).toBe(headline);
    expect(bootstrapDetail(state)).toBe(state.kind === 'failed' ? state.reason : '');
  });

  it('shows what zero-touch waits for, and the API in use while signing in', () => {
    expect(bootstrapDetail({ kind: 'seeking-seed', waitingFor: { folder: '/share/seeds', file: 'seed_a.json' } })).toBe(
      'Waiting for seed_a.json in /share/seeds',
    );
    expect(bootstrapHeadline({ kind: 'authenticating', api: 'http://a' })).toBe('Signing in to the Aether API…');
    expect(bootstrapDetail({ kind: 'authenticating', api: 'http://a' })).toBe('http://a');
    expect(bootstrapDetail({ kind: 'authenticating', api: null })).toBe('');
  });
});
