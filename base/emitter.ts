/**
 * One small typed event emitter: a listener set with unsubscribe, safe against a throwing listener.
 * Every long-lived process (bootstrap, update, sync loop, zero-touch, permissions gate) publishes
 * through it instead of keeping its own `Set`.
 */
export interface Emitter<T> {
  /** Calls every listener with `value`, in subscription order. A listener that throws does not stop the others. */
  emit(value: T): void;
  /** Adds `listener`; returns the function that removes it (calling it twice is harmless). */
  on(listener: (value: T) => void): () => void;
  /** Removes every listener (at close). */
  clear(): void;
  readonly size: number;
}

/** Where a listener's exception goes: a structured logger at the call site, never the floor. */
export type ListenerErrorHandler = (err: unknown) => void;

/**
 * Reports to stderr when the owner gave no handler: a throwing listener is a bug to see, but it must
 * not take down the process that emits (a kiosk nobody watches).
 */
const toStderr: ListenerErrorHandler = (err) => console.error('an event listener threw:', err);

export function createEmitter<T>(onListenerError: ListenerErrorHandler = toStderr): Emitter<T> {
  const listeners = new Set<(value: T) => void>();
  return {
    emit(value) {
      // A copy: a listener may unsubscribe itself (or another) while we iterate.
      for (const listener of [...listeners]) {
        try {
          listener(value);
        } catch (err) {
          onListenerError(err);
        }
      }
    },
    on(listener) {
      // Wrapped, so the same function subscribed twice gets two independent subscriptions.
      const entry = (value: T) => listener(value);
      listeners.add(entry);
      return () => void listeners.delete(entry);
    },
    clear() {
      listeners.clear();
    },
    get size() {
      return listeners.size;
    },
  };
}
