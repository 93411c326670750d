/**
 * Runs `work` one call at a time. A request while it runs is not queued per call: it makes exactly
 * one more run after the current one, so a burst of events costs at most two runs, and every
 * request is followed by a run that started after it.
 */
export interface SerialRerun {
  run(): Promise<void>;
  /** From inside `work`: run once more when this run ends. */
  again(): void;
  /** The run in progress, if any (to await it on close). */
  readonly current: Promise<void> | null;
}

export function serialRerun(work: () => Promise<void>, keepGoing: () => boolean = () => true): SerialRerun {
  let current: Promise<void> | null = null;
  let pending = false;
  return {
    run() {
      if (current) {
        pending = true;
        return current;
      }
      current = (async () => {
        try {
          do {
            pending = false;
            await work();
          } while (pending && keepGoing());
        } finally {
          current = null;
        }
      })();
      return current;
    },
    again() {
      pending = true;
    },
    get current() {
      return current;
    },
  };
}
