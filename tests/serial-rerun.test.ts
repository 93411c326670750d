import { describe, expect, it } from 'vitest';
import { serialRerun } from '../base/serial-rerun';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { opened, open };
}

describe('serialRerun', () => {
  it('folds a burst of requests during a run into exactly one more run', async () => {
    const first = gate();
    let runs = 0;
    const runner = serialRerun(async () => {
      runs += 1;
      if (runs === 1) await first.opened;
    });
    const done = runner.run();
    for (let i = 0; i < 10; i += 1) void runner.run();
    first.open();
    await done;
    expect(runs).toBe(2);
    expect(runner.current).toBeNull();
  });

  it('runs once more when the work asks for it, and stops when told to', async () => {
    let runs = 0;
    let closed = false;
    const runner = serialRerun(
      async () => {
        runs += 1;
        if (runs < 5) runner.again();
        if (runs === 3) closed = true;
      },
      () => !closed,
    );
    await runner.run();
    expect(runs).toBe(3);
  });

  it('lets the next request start a fresh run after a failed one', async () => {
    let runs = 0;
    const runner = serialRerun(async () => {
      runs += 1;
      if (runs === 1) throw new Error('scan failed');
    });
    await expect(runner.run()).rejects.toThrow('scan failed');
    await runner.run();
    expect(runs).toBe(2);
  });
});
