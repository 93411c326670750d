import { createEmitter, type ListenerErrorHandler } from './emitter';

/**
 * The state-machine kernel every long-lived process runs on (bootstrap, update, sync loop,
 * zero-touch, the permissions gate, the renderer watchdog).
 *
 * A machine is a pure `step(state, event) → {state, effects}`: no timers, no I/O, no clock, so every
 * transition is tested by calling it. `createMachine` is the small interpreter around it: it keeps
 * the current state, tells subscribers when it changes, and hands each effect to `run`, which does
 * the I/O and feeds results back as events. A step that returns the very same state object means
 * "nothing changed": subscribers are told only when the state's identity changes, so a step decides
 * what counts as a change (no JSON comparison of whole states).
 */

export interface Transition<S, F> {
  readonly state: S;
  readonly effects: readonly F[];
}

export type Step<S, E, F> = (state: S, event: E) => Transition<S, F>;

/** No change and nothing to do: subscribers are not called. */
export function stay<S>(state: S): Transition<S, never> {
  return { state, effects: [] };
}

/** Moves to `state` and asks for `effects`, in order. */
export function to<S, F = never>(state: S, ...effects: F[]): Transition<S, F> {
  return { state, effects };
}

export interface MachineOptions<S, E, F> {
  initial: S;
  step: Step<S, E, F>;
  /**
   * Carries out one effect. Results (a timer firing, an answer arriving) come back through
   * `dispatch`, now or later. Effects run after subscribers have seen the new state.
   */
  run?: (effect: F, dispatch: (event: E) => void) => void;
  /** Where a subscriber's exception goes (the owner's logger); other subscribers still run. */
  onListenerError?: ListenerErrorHandler;
}

export interface Machine<S, E> {
  state(): S;
  /**
   * Feeds one event. Events dispatched while another is being handled (by `run` or a subscriber)
   * are queued and handled in order after it: one transition at a time, never nested.
   */
  dispatch(event: E): void;
  /** Called on every change of state (by identity) with the new and previous state; returns the unsubscribe. */
  subscribe(listener: (state: S, previous: S) => void): () => void;
  /** Ignores later events and drops every subscriber. */
  stop(): void;
  readonly stopped: boolean;
}

export function createMachine<S, E, F>({
  initial,
  step,
  run,
  onListenerError,
}: MachineOptions<S, E, F>): Machine<S, E> {
  const changes = createEmitter<{ state: S; previous: S }>(onListenerError);
  const queue: E[] = [];
  let current = initial;
  let draining = false;
  let stopped = false;

  function handle(event: E): void {
    const previous = current;
    const { state, effects } = step(current, event);
    current = state;
    if (state !== previous) changes.emit({ state, previous });
    for (const effect of effects) {
      if (stopped) return;
      run?.(effect, dispatch);
    }
  }

  function dispatch(event: E): void {
    if (stopped) return;
    queue.push(event);
    if (draining) return;
    draining = true;
    try {
      // Bounded by the events fed in: a step that dispatches forever is a bug in that machine.
      while (queue.length > 0 && !stopped) handle(queue.shift() as E);
    } finally {
      draining = false;
      // An effect that threw leaves later events queued for the next dispatch, not lost.
    }
  }

  return {
    state: () => current,
    dispatch,
    subscribe: (listener) => changes.on(({ state, previous }) => listener(state, previous)),
    stop() {
      stopped = true;
      queue.length = 0;
      changes.clear();
    },
    get stopped() {
      return stopped;
    },
  };
}

/**
 * Feeds `events` through `step` from `initial` with no interpreter: the states passed through and
 * every effect asked for, for tests of a machine's transitions (no timers, no I/O).
 */
export function replay<S, E, F>(
  step: Step<S, E, F>,
  initial: S,
  events: readonly E[],
): { state: S; states: S[]; effects: F[] } {
  let state = initial;
  const states: S[] = [];
  const effects: F[] = [];
  for (const event of events) {
    const next = step(state, event);
    if (next.state !== state) states.push(next.state);
    state = next.state;
    effects.push(...next.effects);
  }
  return { state, states, effects };
}
