import { describe, expect, it, vi } from 'vitest';
import {
  localTime,
  MAX_READINESS_LINES,
  mountReadinessList,
  readinessLine,
  readinessLines,
} from '../apps/desktop/splash/readiness-line';
import type { SessionReadiness } from '../contracts/cache';

/** The splash's list of sessions about to start that are not show-ready (issue 12). */

const utc = (iso: string) => iso.slice(11, 16);
const session = (over: Partial<SessionReadiness> = {}): SessionReadiness => ({
  id: 'ses_keynote',
  title: 'Keynote',
  starts_at: '2026-12-02T14:00:00.000Z',
  ends_at: '2026-12-02T15:00:00.000Z',
  files: 12,
  missing: 3,
  ready: false,
  at_risk_since: '2026-12-02T13:32:00.000Z',
  ...over,
});

describe('the splash’s readiness lines', () => {
  it('says which session, when it starts, since when it is not ready and how many files are missing', () => {
    expect(readinessLine(session(), utc)).toBe('Keynote 14:00 — not ready since 13:32, 3 of 12 files missing');
    expect(readinessLine(session({ title: null, starts_at: null }), utc)).toBe(
      'ses_keynote — not ready since 13:32, 3 of 12 files missing',
    );
  });

  it('says nothing for a ready session or one not starting within 30 minutes', () => {
    expect(readinessLine(session({ ready: true, missing: 0, at_risk_since: null }), utc)).toBeNull();
    expect(readinessLine(session({ at_risk_since: null }), utc)).toBeNull();
    expect(readinessLines([session({ ready: true, missing: 0, at_risk_since: null })], utc)).toEqual([]);
    expect(readinessLines([], utc)).toEqual([]);
  });

  it('bounds the list and counts the rest', () => {
    const many = Array.from({ length: 7 }, (_, i) => session({ id: `s${i}`, title: `Talk ${i}` }));
    const lines = readinessLines(many, utc);
    expect(lines).toHaveLength(MAX_READINESS_LINES);
    expect(lines.at(-1)).toBe(`and ${7 - (MAX_READINESS_LINES - 1)} more sessions not ready`);
  });

  it('shows times as HH:MM of the laptop’s clock', () => {
    const d = new Date(2026, 11, 2, 9, 5);
    expect(localTime(d.toISOString())).toBe('09:05');
    expect(localTime('not a time')).toBe('?');
  });

  it('shows the list from cache.status, keeps it when the bridge fails, hides it when all is fine', async () => {
    vi.useFakeTimers();
    try {
      const target = { textContent: null as string | null, hidden: false };
      const answers: Array<() => Promise<{ sessions: SessionReadiness[] }>> = [
        async () => ({
          sessions: [session({ starts_at: null }), session({ id: 'b', title: 'Roadmap', at_risk_since: null })],
        }),
        async () => {
          throw new Error('the bridge is gone');
        },
        async () => ({ sessions: [session({ ready: true, missing: 0, at_risk_since: null })] }),
      ];
      let asked = 0;
      const stop = mountReadinessList(target, () => answers[asked++]!(), 1_000);
      expect(target.hidden).toBe(true);
      await vi.advanceTimersByTimeAsync(0);
      expect(asked).toBe(1);
      expect(target.hidden).toBe(false);
      expect(target.textContent).toMatch(/^Keynote — not ready since \d\d:\d\d, 3 of 12 files missing$/);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(asked).toBe(2);
      expect(target.hidden).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(asked).toBe(3);
      expect(target).toEqual({ textContent: '', hidden: true });
      stop();
      await vi.advanceTimersByTimeAsync(5_000);
      expect(asked).toBe(3);
    } finally {
      vi.useRealTimers();
    }
  });
});
