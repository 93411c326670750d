import { describe, expect, it } from 'vitest';
import { replay } from '../base/machine';
import { type SyncPhase, syncStep } from '../cache/sync-loop';

/** The cache sync loop's transitions through its pure step: no store, no scheduler, no timer. */

const stopped: SyncPhase = { state: 'stopped' };

describe('sync loop step', () => {
  it('start arms the timer and reconciles at once; a second start changes nothing', () => {
    const { state, effects } = replay(syncStep, stopped, [
      { type: 'start', wanted: 3 },
      { type: 'start', wanted: 9 },
    ]);
    expect(state).toEqual({ state: 'idle', wanted: 3 });
    expect(effects).toEqual([{ type: 'start-timer' }, { type: 'tick' }]);
  });

  it('a pass with pending downloads is syncing, an empty one idle; the same counts again tell nobody', () => {
    const { states } = replay(syncStep, { state: 'idle', wanted: 3 }, [
      { type: 'reconciled', wanted: 3, pending: 2 },
      { type: 'reconciled', wanted: 3, pending: 2 },
      { type: 'reconciled', wanted: 3, pending: 1 },
      { type: 'reconciled', wanted: 3, pending: 0 },
      { type: 'reconciled', wanted: 3, pending: 0 },
      { type: 'reconciled', wanted: 4, pending: 0 },
    ]);
    expect(states).toEqual([
      { state: 'syncing', wanted: 3, pending: 2 },
      { state: 'syncing', wanted: 3, pending: 1 },
      { state: 'idle', wanted: 3 },
      { state: 'idle', wanted: 4 },
    ]);
  });

  it('stop disarms the timer; a pass after stop is ignored; stopping twice is no change', () => {
    const { state, states, effects } = replay(syncStep, { state: 'syncing', wanted: 2, pending: 1 }, [
      { type: 'stop' },
      { type: 'reconciled', wanted: 2, pending: 2 },
      { type: 'stop' },
    ]);
    expect(state).toEqual(stopped);
    expect(states).toEqual([stopped]);
    expect(effects).toEqual([{ type: 'stop-timer' }]);
  });
});
