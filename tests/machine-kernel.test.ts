import { describe, expect, it } from 'vitest';
import { backoffDelay, DEFAULT_BACKOFF, DEFAULT_RETRY_POLICY, validBackoffPolicy } from '../base/backoff';
import { sleep, systemClock } from '../base/clock';
import { createEmitter } from '../base/emitter';
import { assertNever, errorText, type Failure, hasCode } from '../base/failure';
import { createMachine, replay, stay, type Step, to } from '../base/machine';

/** A counter machine small enough to read: `add` changes it, `same` is no change, `echo` asks for an effect that feeds back. */
type S = { n: number };
type E = { type: 'add'; by: number } | { type: 'same' } | { type: 'echo'; times: number };
type F = { type: 'echo'; times: number } | { type: 'note'; text: string };

const counter: Step<S, E, F> = (state, event) => {
  switch (event.type) {
    case 'add':
      return to<S, F>({ n: state.n + event.by }, { type: 'note', text: `+${event.by}` });
    case 'same':
      return stay(state);
    case 'echo':
      return event.times > 0 ? to<S, F>({ n: state.n + 1 }, { type: 'echo', times: event.times - 1 }) : stay(state);
    default:
      return assertNever(event);
  }
};

describe('the machine kernel', () => {
  it('keeps the current state and tells subscribers each change with the previous state', () => {
    const machine = createMachine({ initial: { n: 0 }, step: counter });
    const seen: Array<[number, number]> = [];
    machine.subscribe((state, previous) => seen.push([previous.n, state.n]));
    machine.dispatch({ type: 'add', by: 2 });
    machine.dispatch({ type: 'add', by: 3 });
    expect(machine.state()).toEqual({ n: 5 });
    expect(seen).toEqual([
      [0, 2],
      [2, 5],
    ]);
  });

  it('de-duplicates by identity: a step that returns the same object tells nobody, an equal new object does', () => {
    const equalButNew: Step<S, E, F> = (state, event) => (event.type === 'same' ? stay(state) : to({ ...state }));
    const machine = createMachine({ initial: { n: 1 }, step: equalButNew });
    let calls = 0;
    machine.subscribe(() => (calls += 1));
    machine.dispatch({ type: 'same' });
    machine.dispatch({ type: 'same' });
    expect(calls).toBe(0);
    machine.dispatch({ type: 'add', by: 0 });
    expect(calls).toBe(1);
  });

  it('runs effects after subscribers saw the new state, and feeds results back as events in order, never nested', () => {
    const log: string[] = [];
    const machine = createMachine<S, E, F>({
      initial: { n: 0 },
      step: counter,
      run(effect, dispatch) {
        log.push(`run ${effect.type} at n=${machine.state().n}`);
        if (effect.type === 'echo') dispatch({ type: 'echo', times: effect.times });
        if (effect.type === 'note') dispatch({ type: 'echo', times: 1 });
        log.push(`ran ${effect.type}`);
      },
    });
    machine.subscribe((state) => log.push(`saw ${state.n}`));
    machine.dispatch({ type: 'add', by: 10 });
    expect(machine.state()).toEqual({ n: 11 });
    expect(log).toEqual(['saw 10', 'run note at n=10', 'ran note', 'saw 11', 'run echo at n=11', 'ran echo']);
  });

  it('ignores events after stop and drops subscribers', () => {
    const machine = createMachine({ initial: { n: 0 }, step: counter });
    let calls = 0;
    machine.subscribe(() => (calls += 1));
    machine.stop();
    machine.dispatch({ type: 'add', by: 1 });
    expect(machine.state()).toEqual({ n: 0 });
    expect(machine.stopped).toBe(true);
    expect(calls).toBe(0);
  });

  it('a throwing subscriber goes to the error handler and the others still hear the change', () => {
    const errors: unknown[] = [];
    const machine = createMachine({ initial: { n: 0 }, step: counter, onListenerError: (err) => errors.push(err) });
    const heard: number[] = [];
    machine.subscribe(() => {
      throw new Error('listener bug');
    });
    machine.subscribe((state) => heard.push(state.n));
    machine.dispatch({ type: 'add', by: 1 });
    expect(heard).toEqual([1]);
    expect(errors.map(errorText)).toEqual(['listener bug']);
  });

  it('an effect that throws reaches the dispatcher, and events it queued are handled on the next dispatch', () => {
    let fail = true;
    const machine = createMachine<S, E, F>({
      initial: { n: 0 },
      step: counter,
      run(effect, dispatch) {
        if (effect.type !== 'note') return;
        dispatch({ type: 'echo', times: 1 });
        if (fail) throw new Error('effect failed');
      },
    });
    expect(() => machine.dispatch({ type: 'add', by: 1 })).toThrow('effect failed');
    expect(machine.state()).toEqual({ n: 1 });
    fail = false;
    machine.dispatch({ type: 'same' });
    expect(machine.state()).toEqual({ n: 2 });
  });

  it('replay drives a step with no interpreter: the states passed through and every effect', () => {
    const { state, states, effects } = replay(counter, { n: 0 }, [
      { type: 'add', by: 1 },
      { type: 'same' },
      { type: 'echo', times: 2 },
    ]);
    expect(state).toEqual({ n: 2 });
    expect(states).toEqual([{ n: 1 }, { n: 2 }]);
    expect(effects).toEqual([
      { type: 'note', text: '+1' },
      { type: 'echo', times: 1 },
    ]);
  });
});

describe('the emitter', () => {
  it('calls listeners in order, unsubscribes (twice harmlessly), and counts them', () => {
    const emitter = createEmitter<string>();
    const got: string[] = [];
    const offA = emitter.on((v) => got.push(`a:${v}`));
    emitter.on((v) => got.push(`b:${v}`));
    emitter.emit('1');
    offA();
    offA();
    emitter.emit('2');
    expect(got).toEqual(['a:1', 'b:1', 'b:2']);
    expect(emitter.size).toBe(1);
    emitter.clear();
    emitter.emit('3');
    expect(got).toHaveLength(3);
  });

  it('the same function subscribed twice is two subscriptions, and a listener may unsubscribe itself while emitting', () => {
    const emitter = createEmitter<number>();
    const got: number[] = [];
    const listener = (v: number) => got.push(v);
    emitter.on(listener);
    const off = emitter.on((v) => {
      got.push(v * 10);
      off();
    });
    emitter.on(listener);
    emitter.emit(1);
    emitter.emit(2);
    expect(got).toEqual([1, 10, 1, 2, 2]);
  });

  it('a throwing listener is reported and does not stop the others', () => {
    const errors: unknown[] = [];
    const emitter = createEmitter<number>((err) => errors.push(err));
    const got: number[] = [];
    emitter.on(() => {
      throw new Error('boom');
    });
    emitter.on((v) => got.push(v));
    emitter.emit(7);
    expect(got).toEqual([7]);
    expect(errors.map(errorText)).toEqual(['boom']);
  });
});

describe('typed failures', () => {
  type Demo = { code: 'a'; file: string } | { code: 'b' };
  it('hasCode narrows a failure union by its code, and null is no code', () => {
    const failure: Demo = { code: 'a', file: 'x.json' };
    expect(hasCode(failure, 'a') && failure.file).toBe('x.json');
    expect(hasCode<Demo, 'b'>(failure, 'b')).toBe(false);
    expect(hasCode<Demo, 'a'>(null, 'a')).toBe(false);
    const anyFailure: Failure = failure;
    expect(anyFailure.code).toBe('a');
  });

  it('assertNever throws at run time for a value outside the union, naming what it was', () => {
    expect(() => assertNever({ code: 'z' } as never, 'demo failure')).toThrow('unexpected demo failure: {"code":"z"}');
    expect(errorText(new Error('m'))).toBe('m');
    expect(errorText('plain')).toBe('plain');
  });
});

describe('the one backoff policy', () => {
  it('without jitter is the watchdog schedule: doubles from the initial delay to the cap', () => {
    const fixed = { initialDelayMs: 1_000, maxDelayMs: 8_000, factor: 2, jitter: 0 };
    expect([0, 1, 2, 3, 4, 100].map((n) => backoffDelay(fixed, n, () => 0.9))).toEqual([
      1_000, 2_000, 4_000, 8_000, 8_000, 8_000,
    ]);
  });

  it('with full jitter spans (0, ceiling] and never drops below 1 ms; a negative attempt counts as the first', () => {
    expect(backoffDelay(DEFAULT_BACKOFF, 0, () => 0)).toBe(500);
    expect(backoffDelay(DEFAULT_BACKOFF, 0, () => 0.5)).toBe(250);
    expect(backoffDelay(DEFAULT_BACKOFF, 0, () => 1)).toBe(1);
    expect(backoffDelay(DEFAULT_BACKOFF, -3, () => 0)).toBe(500);
    expect(backoffDelay(DEFAULT_BACKOFF, 1_000, () => 0)).toBe(30_000);
  });

  it("bootstrap's policy takes at most its 30 % off", () => {
    expect(backoffDelay(DEFAULT_RETRY_POLICY, 2, () => 1)).toBe(2_800);
    expect(() => validBackoffPolicy({ ...DEFAULT_RETRY_POLICY, factor: 0.5 })).toThrow(
      'retry factor must be >= 1, got 0.5',
    );
    expect(() => validBackoffPolicy({ ...DEFAULT_RETRY_POLICY, initialDelayMs: 0 })).toThrow(
      'retry delays must satisfy',
    );
  });
});

describe('the one sleep', () => {
  it('resolves at once when already aborted or aborted while waiting, and the system clock uses it', async () => {
    const aborted = new AbortController();
    aborted.abort();
    await sleep(60_000, aborted.signal);
    const later = new AbortController();
    const waiting = sleep(60_000, later.signal);
    later.abort();
    await waiting;
    await systemClock.sleep(1);
    expect(systemClock.sleep).toBe(sleep);
  });
});
