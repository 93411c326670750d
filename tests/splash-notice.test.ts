import { describe, expect, it, vi } from 'vitest';
import { countdownText, readNotice, showNotice } from '../apps/desktop/splash/notice';

describe('the splash notice from the renderer watchdog', () => {
  it('reads the message and the retry time from the query, and nothing without a message', () => {
    expect(readNotice('?notice=No+network&retryAt=1700000015000')).toEqual({
      message: 'No network',
      retryAt: 1700000015000,
    });
    expect(readNotice('?notice=Stopped&retryAt=soon')).toEqual({ message: 'Stopped', retryAt: null });
    expect(readNotice('')).toBeNull();
    expect(readNotice('?retryAt=5')).toBeNull();
  });

  it('counts down in whole seconds and says when it retries now', () => {
    expect(countdownText(10_000, 0)).toBe('Retrying in 10 s.');
    expect(countdownText(10_000, 9_001)).toBe('Retrying in 1 s.');
    expect(countdownText(10_000, 10_000)).toBe('Retrying now…');
    expect(countdownText(null, 0)).toBe('');
  });

  it('re-renders the countdown every second until stopped', () => {
    vi.useFakeTimers();
    try {
      let now = 0;
      const lines: string[] = [];
      const stop = showNotice(
        { message: 'No network', retryAt: 3_000 },
        (text, more) => lines.push(`${text} | ${more}`),
        () => now,
      );
      now = 1_000;
      vi.advanceTimersByTime(1_000);
      now = 3_000;
      vi.advanceTimersByTime(1_000);
      stop();
      vi.advanceTimersByTime(5_000);
      expect(lines).toEqual([
        'No network | Retrying in 3 s.',
        'No network | Retrying in 2 s.',
        'No network | Retrying now…',
      ]);
    } finally {
      vi.useRealTimers();
    }
  });
});
