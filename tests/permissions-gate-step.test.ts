import { describe, expect, it } from 'vitest';
import { replay } from '../base/machine';
import { describeGateFailure, type GateEvent, type GateState, gateStep } from '../kiosk/permissions-gate';

/** The permissions gate's transitions through its pure step: no splash, no timers, no TCC. */

const idle: GateState = { kind: 'idle' };
const run = (events: GateEvent[]) => replay(gateStep, idle, events);
const waitingEvents: GateEvent[] = [
  { type: 'start', platform: 'darwin' },
  { type: 'status', complete: false },
];

describe('permissions gate step', () => {
  it('does not wait off macOS', () => {
    for (const platform of ['linux', 'win32'] as const)
      expect(run([{ type: 'start', platform }])).toMatchObject({
        state: { kind: 'done', outcome: 'not-applicable' },
        effects: [{ type: 'finish' }],
      });
  });

  it('a full grant at the first look wins before anything is armed (a "Continue without" then is not looked at)', () => {
    const { state, effects } = run([
      { type: 'start', platform: 'darwin' },
      { type: 'continued' },
      { type: 'status', complete: true },
    ]);
    expect(state).toEqual({ kind: 'done', outcome: 'complete' });
    expect(effects).toEqual([{ type: 'check' }, { type: 'finish' }]);
  });

  it('something missing: arms the watch and re-checks every poll until granted', () => {
    const { state, effects } = run([
      ...waitingEvents,
      { type: 'poll-due' },
      { type: 'status', complete: false },
      { type: 'poll-due' },
      { type: 'status', complete: true },
    ]);
    expect(state).toEqual({ kind: 'done', outcome: 'complete' });
    expect(effects.map((e) => e.type)).toEqual([
      'check',
      'watch',
      'schedule-poll',
      'check',
      'schedule-poll',
      'check',
      'finish',
    ]);
  });

  it.each([
    ['continued', 'continued-without'],
    ['splash-gone', 'splash-gone'],
    ['timed-out', 'timed-out'],
  ] as const)('%s ends the wait as %s, and nothing moves it afterwards', (type, outcome) => {
    const { state, effects } = run([
      ...waitingEvents,
      { type },
      { type: 'status', complete: true },
      { type: 'timed-out' },
    ]);
    expect(state).toEqual({ kind: 'done', outcome });
    expect(effects.filter((e) => e.type === 'finish')).toHaveLength(1);
  });

  it('permissions-unchecked: a status that cannot be read opens the kiosk, with the typed failure and its sentence', () => {
    const { state } = run([
      ...waitingEvents,
      { type: 'poll-due' },
      { type: 'status-failed', detail: 'TCC database locked' },
    ]);
    expect(state).toEqual({
      kind: 'done',
      outcome: 'unchecked',
      failure: { code: 'permissions-unchecked', detail: 'TCC database locked' },
    });
    if (state.kind === 'done' && state.outcome === 'unchecked')
      expect(describeGateFailure(state.failure)).toBe(
        'permissions could not be checked (TCC database locked); the kiosk opens without waiting',
      );
    expect(
      run([
        { type: 'start', platform: 'darwin' },
        { type: 'status-failed', detail: 'x' },
      ]).state,
    ).toMatchObject({ kind: 'done', outcome: 'unchecked' });
  });
});
