import { describe, expect, it } from 'vitest';
import { replay } from '../base/machine';
import { seedFailure, seedProblem } from '../provisioning/bootstrap-failure';
import { seedErrorFor } from '../provisioning/seed-errors';
import { type ZeroTouchState, zeroTouchBootstrapState, zeroTouchStep } from '../provisioning/zero-touch';

/** Zero-touch's transitions through its pure step: no share, no watcher. */

const waiting: ZeroTouchState = { kind: 'waiting', folder: '/share/seeds', file: 'seed_a.json' };
const invalid = seedFailure(
  seedErrorFor('/share/seeds/seed_a.json', undefined, {
    field: 'event_device_id',
    problem: 'is missing',
    fix: 'Add it.',
  }),
);
const unreadable = seedProblem('/share/seeds/seed_a.json', new Error('EACCES: permission denied'));

describe('zero-touch step', () => {
  it('seed-invalid: waits, showing which field of which file is wrong; the same problem again is no change', () => {
    const { state, states } = replay(zeroTouchStep, waiting, [
      { type: 'refused', failure: invalid },
      { type: 'refused', failure: invalid },
    ]);
    expect(states).toHaveLength(1);
    expect(state).toEqual({
      ...waiting,
      failure: invalid,
      problem: 'seed.json at /share/seeds/seed_a.json: event_device_id is missing. Add it.',
    });
    expect(zeroTouchBootstrapState(state as Extract<ZeroTouchState, { kind: 'waiting' }>)).toEqual({
      kind: 'seeking-seed',
      waitingFor: { folder: '/share/seeds', file: 'seed_a.json' },
      failure: invalid,
      problem: 'seed.json at /share/seeds/seed_a.json: event_device_id is missing. Add it.',
    });
  });

  it('seed-unreadable: waits, carrying what went wrong reading it', () => {
    expect(replay(zeroTouchStep, waiting, [{ type: 'refused', failure: unreadable }]).state).toEqual({
      ...waiting,
      failure: { code: 'seed-unreadable', file: '/share/seeds/seed_a.json', detail: 'EACCES: permission denied' },
      problem: 'EACCES: permission denied',
    });
  });

  it('provisioned is final: later reports change nothing', () => {
    const { state, states } = replay(zeroTouchStep, waiting, [
      { type: 'refused', failure: invalid },
      { type: 'provisioned', seedPath: '/cfg/seed.json', source: 'share' },
      { type: 'refused', failure: unreadable },
      { type: 'provisioned', seedPath: '/other', source: 'local' },
    ]);
    expect(states.map((s) => s.kind)).toEqual(['waiting', 'provisioned']);
    expect(state).toEqual({ kind: 'provisioned', seedPath: '/cfg/seed.json', source: 'share' });
  });
});
