import { assertNever } from '../base/failure';
import { stay, to, type Transition } from '../base/machine';
import type { Platform } from '../base/platform';

/**
 * The permissions gate's machine (DESIGN §10): the kiosk waits while the splash walks through the
 * macOS permissions, until they are all granted, ops press "Continue without", the splash is gone,
 * or the longest wait passed. Pure; `apps/desktop/permissions-gate.ts` runs it with real timers.
 */

export type GateOutcome =
  'not-applicable' | 'complete' | 'continued-without' | 'splash-gone' | 'timed-out' | 'unchecked';

/** The gate's one failure: the permissions could not be read, so the kiosk opens without waiting. */
export type GateFailure = { code: 'permissions-unchecked'; detail: string };

export type GateState =
  | { kind: 'idle' }
  /** The first look at the permissions, before anything is shown or armed. */
  | { kind: 'checking' }
  /** Something is missing: the splash shows the step, the gate re-checks every poll. */
  | { kind: 'waiting' }
  | { kind: 'done'; outcome: Exclude<GateOutcome, 'unchecked'> }
  | { kind: 'done'; outcome: 'unchecked'; failure: GateFailure };

export type GateEvent =
  | { type: 'start'; platform: Platform }
  | { type: 'status'; complete: boolean }
  | { type: 'status-failed'; detail: string }
  | { type: 'poll-due' }
  | { type: 'continued' }
  | { type: 'splash-gone' }
  | { type: 'timed-out' };

export type GateEffect =
  /** Read the permissions; answer with `status` or `status-failed`. */
  | { type: 'check' }
  /** Arm the longest-wait timer and listen for "Continue without" and the splash closing (at once if already so). */
  | { type: 'watch' }
  | { type: 'schedule-poll' }
  /** Disarm everything and report the outcome. */
  | { type: 'finish' };

export function describeGateFailure(failure: GateFailure): string {
  switch (failure.code) {
    case 'permissions-unchecked':
      return `permissions could not be checked (${failure.detail}); the kiosk opens without waiting`;
    default:
      return assertNever(failure.code, 'permissions gate failure');
  }
}

const done = (outcome: Exclude<GateOutcome, 'unchecked'>): Transition<GateState, GateEffect> =>
  to<GateState, GateEffect>({ kind: 'done', outcome }, { type: 'finish' });

/**
 * A full grant wins over everything else at the first look; afterwards the first of grant, "Continue
 * without", splash gone, timeout or an unreadable status ends the wait. Nothing moves a finished gate.
 */
export function gateStep(state: GateState, event: GateEvent): Transition<GateState, GateEffect> {
  if (state.kind === 'done') return stay(state);
  switch (event.type) {
    case 'start':
      if (state.kind !== 'idle') return stay(state);
      return event.platform === 'darwin'
        ? to<GateState, GateEffect>({ kind: 'checking' }, { type: 'check' })
        : done('not-applicable');
    case 'status':
      if (event.complete) return done('complete');
      if (state.kind === 'checking')
        return to<GateState, GateEffect>({ kind: 'waiting' }, { type: 'watch' }, { type: 'schedule-poll' });
      return state.kind === 'waiting' ? to<GateState, GateEffect>(state, { type: 'schedule-poll' }) : stay(state);
    case 'status-failed':
      return to<GateState, GateEffect>(
        { kind: 'done', outcome: 'unchecked', failure: { code: 'permissions-unchecked', detail: event.detail } },
        { type: 'finish' },
      );
    case 'poll-due':
      return state.kind === 'waiting' ? to<GateState, GateEffect>(state, { type: 'check' }) : stay(state);
    case 'continued':
      return state.kind === 'waiting' ? done('continued-without') : stay(state);
    case 'splash-gone':
      return state.kind === 'waiting' ? done('splash-gone') : stay(state);
    case 'timed-out':
      return state.kind === 'waiting' ? done('timed-out') : stay(state);
    default:
      return assertNever(event, 'permissions gate event');
  }
}
