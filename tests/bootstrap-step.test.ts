import { describe, expect, it } from 'vitest';
import { replay } from '../base/machine';
import { DeviceRecord } from '../contracts/api';
import {
  ApiBadResponseError,
  ApiNotFoundError,
  ApiUnauthorizedError,
  ApiUnreachableError,
} from '../provisioning/api-errors';
import {
  apiFailure,
  type BootstrapFailure,
  describeBootstrapFailure,
  seedFailure,
  seedProblem,
} from '../provisioning/bootstrap-failure';
import { type BootstrapEvent, type BootstrapState, bootstrapStep } from '../provisioning/bootstrap-state';
import { resolveIdentity } from '../provisioning/identity';
import { seedErrorFor } from '../provisioning/seed-errors';

/** Bootstrap's transitions through its pure step: no timers, no I/O, no API. */

const device = DeviceRecord.parse({
  event_device_id: 'd1',
  event_id: 'ev',
  event_location_id: 'loc',
  app_base_url: 'https://summit.example.com/app/',
  mode: 'native',
});
const identity = resolveIdentity({ seedPath: '/s.json', device, siteDomain: null, api: 'http://api.one' });
const start: BootstrapState = { kind: 'seeking-seed' };
const AT = Date.parse('2026-12-01T10:00:00.000Z');
const run = (events: BootstrapEvent[], from: BootstrapState = start) => replay(bootstrapStep, from, events);
const offlineReady = run([
  {
    type: 'api-unusable',
    identity,
    failure: { code: 'api-unreachable', api: 'http://api.one', detail: 'no Aether API answered' },
    at: '2026-12-01T09:00:00.000Z',
  },
]).state;

describe('bootstrap step', () => {
  it('goes seeking-seed → authenticating → identifying → hydrating → ready', () => {
    const { state, states } = run([
      { type: 'attempt' },
      { type: 'authenticating', api: 'http://api.one' },
      { type: 'identifying', api: 'http://api.one' },
      { type: 'hydrating', api: 'http://api.one' },
      { type: 'resolved', identity },
    ]);
    expect(states.map((s) => s.kind)).toEqual(['seeking-seed', 'authenticating', 'identifying', 'hydrating', 'ready']);
    expect(state).toEqual({ kind: 'ready', api: 'http://api.one', identity });
  });

  it('announces each new attempt, but the same zero-touch report twice is no change', () => {
    const waitingFor = { folder: '/share/seeds', file: 'seed_a.json' };
    const { states } = run([{ type: 'attempt' }, { type: 'seeking', waitingFor }, { type: 'seeking', waitingFor }]);
    expect(states).toEqual([{ kind: 'seeking-seed' }, { kind: 'seeking-seed', waitingFor }]);
  });

  it('fails with a retry time and a log line when it will retry, and with none for a one-shot run', () => {
    const failure: BootstrapFailure = {
      code: 'api-not-found',
      api: 'http://api.one',
      detail: 'the API does not know device "d1"',
    };
    const retrying = run([{ type: 'failed', failure, at: AT, retryInMs: 2_000 }]);
    expect(retrying.state).toEqual({
      kind: 'failed',
      failure,
      reason: 'the API does not know device "d1"',
      retryAt: '2026-12-01T10:00:02.000Z',
    });
    expect(retrying.effects).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: 'bootstrap failed; retrying',
        fields: { failure: 'api-not-found', reason: 'the API does not know device "d1"', retryInMs: 2_000 },
      },
    ]);
    const once = run([{ type: 'failed', failure, at: AT, retryInMs: null }]);
    expect(once.state).toMatchObject({ kind: 'failed', retryAt: null });
    expect(once.effects).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: 'bootstrap failed',
        fields: { failure: 'api-not-found', reason: 'the API does not know device "d1"' },
      },
    ]);
  });

  it('offline-ready stays quiet while it retries: no flicker through the steps, failures only logged, since kept', () => {
    expect(offlineReady).toMatchObject({
      kind: 'offline-ready',
      since: '2026-12-01T09:00:00.000Z',
      failure: { code: 'api-unreachable' },
    });
    const failure: BootstrapFailure = {
      code: 'api-unauthorized',
      api: 'http://api.one',
      why: 'token-refused',
      detail: 'refused',
    };
    const { state, states, effects } = run(
      [
        { type: 'attempt' },
        { type: 'authenticating', api: 'http://api.one' },
        { type: 'failed', failure, at: AT, retryInMs: 1_000 },
        { type: 'api-unusable', identity, failure, at: '2026-12-01T11:00:00.000Z' },
      ],
      offlineReady,
    );
    expect(states).toEqual([]);
    expect(state).toBe(offlineReady);
    expect(effects.map((e) => e.message)).toEqual(['bootstrap: still offline', 'bootstrap: still offline']);
    expect(run([{ type: 'resolved', identity }], offlineReady).state).toMatchObject({ kind: 'ready' });
  });

  it('the first unusable API with a last good record starts offline-ready and says so once', () => {
    const failure: BootstrapFailure = { code: 'api-bad-response', api: 'http://api.one', detail: 'garbage' };
    const { state, effects } = run([
      { type: 'attempt' },
      { type: 'api-unusable', identity, failure, at: '2026-12-01T10:00:00.000Z' },
    ]);
    expect(state).toEqual({
      kind: 'offline-ready',
      identity,
      failure,
      reason: 'garbage',
      since: '2026-12-01T10:00:00.000Z',
    });
    expect(effects).toEqual([
      {
        type: 'log',
        level: 'warn',
        message: 'bootstrap: no usable API; starting offline on the last good record',
        fields: { failure: 'api-bad-response', reason: 'garbage' },
      },
    ]);
  });
});

describe('every bootstrap failure code: its state and its one sentence', () => {
  const seedError = seedErrorFor('/home/u/seed.json', '/home/u', {
    field: 'event_device_id',
    problem: 'is missing',
    fix: 'Add the device id.',
  });
  const cases: Array<[BootstrapFailure, string]> = [
    [seedFailure(seedError), seedError.message],
    [
      seedProblem(
        '/share/seeds/seed_a.json',
        Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }),
      ),
      'EACCES: permission denied',
    ],
    [
      { code: 'seed-missing', searched: ['~/seed.json', '~/.config/aether/seed.json'] },
      'no seed.json found (looked at ~/seed.json, ~/.config/aether/seed.json); put one there or pass --seed <path>',
    ],
    [{ code: 'stopped' }, 'stopped while waiting for a seed'],
    [
      apiFailure(
        new ApiUnauthorizedError(
          'the API at http://api.one refused the aether_api_key (HTTP 401); check the key',
          'bad-key',
        ),
        'http://api.one',
      ),
      'the API at http://api.one refused the aether_api_key (HTTP 401); check the key',
    ],
    [
      apiFailure(new ApiNotFoundError('the API at http://api.one does not know device "d1"'), 'http://api.one'),
      'the API at http://api.one does not know device "d1"',
    ],
    [
      apiFailure(
        new ApiUnreachableError('POST /v3/auth/device', [{ url: 'http://api.one', why: 'connection refused' }]),
        null,
      ),
      'no Aether API answered POST /v3/auth/device: http://api.one (connection refused)',
    ],
    [
      apiFailure(
        new ApiBadResponseError('GET /v3/crud/event_device/d1', 'http://api.one', ['mode: invalid']),
        'http://api.one',
      ),
      'the Aether API at http://api.one answered GET /v3/crud/event_device/d1 with an unusable response: mode: invalid',
    ],
    [{ code: 'unexpected', detail: 'EMFILE: too many open files' }, 'unexpected error: EMFILE: too many open files'],
  ];

  it('covers every code exactly once', () => {
    expect(cases.map(([f]) => f.code).sort()).toEqual([
      'api-bad-response',
      'api-not-found',
      'api-unauthorized',
      'api-unreachable',
      'seed-invalid',
      'seed-missing',
      'seed-unreadable',
      'stopped',
      'unexpected',
    ]);
  });

  it.each(cases.map(([failure, sentence]) => [failure.code, failure, sentence] as const))(
    '%s',
    (_code, failure, sentence) => {
      expect(describeBootstrapFailure(failure)).toBe(sentence);
      expect(run([{ type: 'attempt' }, { type: 'failed', failure, at: AT, retryInMs: 500 }]).state).toEqual({
        kind: 'failed',
        failure,
        reason: sentence,
        retryAt: '2026-12-01T10:00:00.500Z',
      });
    },
  );

  it('keeps what a decision needs: which field of which seed, and why the API refused', () => {
    expect(seedFailure(seedError)).toEqual({
      code: 'seed-invalid',
      file: '/home/u/seed.json',
      shownPath: '~/seed.json',
      field: 'event_device_id',
      problem: 'is missing',
      fix: 'Add the device id.',
    });
    expect(apiFailure(new ApiUnauthorizedError('needs a key', 'missing-key'), null)).toMatchObject({
      code: 'api-unauthorized',
      why: 'missing-key',
      api: null,
    });
    expect(seedProblem('/share/x.json', seedError)).toMatchObject({ code: 'seed-invalid', field: 'event_device_id' });
  });

  it('a seed problem reported by zero-touch shows in seeking-seed with its sentence', () => {
    const waitingFor = { folder: '/share/seeds', file: 'seed_a.json' };
    const failure = seedFailure(seedError);
    expect(run([{ type: 'seeking', waitingFor, failure }]).state).toEqual({
      kind: 'seeking-seed',
      waitingFor,
      failure,
      problem: seedError.message,
    });
  });
});
