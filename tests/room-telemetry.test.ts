import { describe, expect, it } from 'vitest';
import { createReadinessTracker, sessionReadiness } from '../cache/session-readiness';
import { roomState } from '../update-helper/room-state';
import { updateBlocker } from '../update-helper/update-timing';

const at = (hhmm: string) => `2026-12-02T${hhmm}:00.000Z`;
const sha = (c: string) => c.repeat(64);
const FILES = [
  {
    sha256: sha('a'),
    session_id: 'keynote',
    session_title: 'Keynote',
    session_starts_at: at('09:00'),
    session_ends_at: at('10:00'),
  },
  {
    sha256: sha('b'),
    session_id: 'keynote',
    session_title: 'Keynote',
    session_starts_at: at('09:00'),
    session_ends_at: at('10:00'),
  },
  {
    sha256: sha('c'),
    session_id: 'roadmap',
    session_title: 'Roadmap',
    session_starts_at: at('11:00'),
    session_ends_at: at('12:00'),
  },
  { sha256: sha('d'), session_id: 'tbd', session_title: 'To be scheduled' },
  { sha256: sha('e') },
];

describe('readiness per session', () => {
  it('groups files by session in start order and counts what is missing; event-wide files are no session', () => {
    const present = new Set([sha('a'), sha('c')]);
    expect(sessionReadiness(FILES, (h) => present.has(h))).toEqual([
      {
        id: 'keynote',
        title: 'Keynote',
        starts_at: at('09:00'),
        ends_at: at('10:00'),
        files: 2,
        missing: 1,
        ready: false,
      },
      {
        id: 'roadmap',
        title: 'Roadmap',
        starts_at: at('11:00'),
        ends_at: at('12:00'),
        files: 1,
        missing: 0,
        ready: true,
      },
      { id: 'tbd', title: 'To be scheduled', starts_at: null, ends_at: null, files: 1, missing: 1, ready: false },
    ]);
  });

  it('says from when a session starting within 30 minutes has not been ready, and forgets it once ready', () => {
    const tracker = createReadinessTracker();
    const present = new Set<string>();
    const keynote = (now: string) =>
      tracker.check(FILES, (h) => present.has(h), new Date(now)).find((s) => s.id === 'keynote')!;
    expect(keynote(at('08:00')).at_risk_since).toBeNull();
    expect(keynote(at('08:31')).at_risk_since).toBe(at('08:31'));
    expect(keynote(at('08:45')).at_risk_since).toBe(at('08:31'));
    present.add(sha('a')).add(sha('b'));
    expect(keynote(at('08:50'))).toMatchObject({ ready: true, at_risk_since: null });
    present.delete(sha('b'));
    expect(keynote(at('08:55')).at_risk_since).toBe(at('08:55'));
    // Once the session is over it is no longer at risk.
    expect(keynote(at('10:01')).at_risk_since).toBeNull();
  });
});

describe('when a staged update may be applied', () => {
  const sessions = [
    { title: 'Keynote', starts_at: at('09:00'), ends_at: at('10:00') },
    { title: null, starts_at: at('13:00'), ends_at: null },
  ];
  it('waits for a running presentation, whatever the schedule', () => {
    expect(updateBlocker({ now: new Date(at('07:00')), presenting: { filename: 'Deck.pptx' }, sessions })).toBe(
      'the presentation of Deck.pptx to end',
    );
  });
  it('waits from a margin before a session to its end, and a session without an end lasts an hour', () => {
    const blocker = (now: string) => updateBlocker({ now: new Date(now), presenting: null, sessions });
    expect(blocker(at('08:40'))).toBeNull();
    expect(blocker(at('08:50'))).toBe('the session "Keynote", about to start, to end');
    expect(blocker(at('09:30'))).toBe('the session "Keynote" to end');
    expect(blocker(at('10:00'))).toBeNull();
    expect(blocker(at('13:59'))).toBe('a session without a title to end');
    expect(blocker(at('14:00'))).toBeNull();
  });
});

describe('the room state', () => {
  const base = { bootstrap: 'ready', cache: { files: 10, missing: 0 }, syncing: false, presenting: null };
  it('names one state with its reason, failures first', () => {
    expect(roomState({ ...base, bootstrap: 'failed', bootstrapReason: 'the API refused the key' })).toEqual({
      state: 'error',
      reason: 'the API refused the key',
    });
    expect(roomState({ ...base, bootstrap: 'seeking-seed' })).toEqual({
      state: 'idle',
      reason: 'waiting for its seed in the share',
    });
    expect(roomState({ ...base, presenting: { filename: 'Deck.pptx' }, cache: { files: 10, missing: 4 } })).toEqual({
      state: 'presenting',
      reason: 'Deck.pptx',
    });
    expect(
      roomState({
        ...base,
        syncProblem: 'not enough space for Deck.pptx (needs 2 GB, has 1 GB)',
        cache: { files: 10, missing: 1 },
      }),
    ).toMatchObject({ state: 'error' });
    expect(roomState({ ...base, cache: { files: 10, missing: 4 }, syncing: true })).toEqual({
      state: 'syncing',
      reason: '6 of 10 files ready',
    });
    expect(roomState({ ...base, cache: { files: 10, missing: 4 } })).toEqual({
      state: 'syncing',
      reason: '6 of 10 files ready, waiting to sync',
    });
    expect(roomState(base)).toEqual({ state: 'ready', reason: null });
    expect(roomState({ ...base, bootstrap: 'offline-ready' })).toEqual({
      state: 'ready',
      reason: 'all files ready (offline)',
    });
    expect(roomState({ ...base, cache: { files: 0, missing: 0 } })).toEqual({
      state: 'idle',
      reason: 'no event files yet',
    });
  });
});
