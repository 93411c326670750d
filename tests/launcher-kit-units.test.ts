import { describe, expect, it, vi } from 'vitest';
import { LauncherBackgroundSync } from '../launcher-kit/src/background-sync';
import type { CacheStatusReport } from '../launcher-kit/src/bridge-types';
import {
  groupBySession,
  parseEventFile,
  parseEventFileList,
  placeFromPath,
  syncOrder,
  type LauncherFile,
} from '../launcher-kit/src/event-files';
import { ago, onsiteName, readableSize } from '../launcher-kit/src/format';
import {
  AVAILABLE,
  fromCacheStatus,
  openFailed,
  openFailureMessage,
  opened,
  waitingToOpen,
} from '../launcher-kit/src/file-state';
import { detectMode } from '../launcher-kit/src/mode';
import { DEFAULT_REFRESH_SECONDS, refreshSeconds } from '../launcher-kit/src/periods';
import { RefreshTimer, type VisibilityHost } from '../launcher-kit/src/refresh-timer';

/** The kit's plain logic, in Node; the modes themselves run in Chromium (launcher-kit-*.test.ts). */

const HOUR = 3600_000;
const NOW = Date.parse('2026-12-01T12:00:00Z');
let n = 0;
function file(name: string, session?: { id: string; from: number; to: number }): LauncherFile {
  n += 1;
  return parseEventFile({
    event_file_id: `ef_${n}`,
    event_id: 'ev',
    filename: name,
    sha256: n.toString(16).padStart(64, '0'),
    size: 10,
    updated_at: '2026-11-01T09:00:00Z',
    ...(session
      ? {
          session_id: session.id,
          session_title: `Title ${session.id}`,
          session_starts_at: new Date(NOW + session.from).toISOString(),
          session_ends_at: new Date(NOW + session.to).toISOString(),
        }
      : {}),
  })!;
}

describe('event files', () => {
  it('sync order: the running or next session first, later ones next, past ones after, event-wide files last', () => {
    const past = file('past', { id: 'past', from: -3 * HOUR, to: -2 * HOUR });
    const later = file('later', { id: 'later', from: 3 * HOUR, to: 4 * HOUR });
    const wide = file('wide');
    const running = file('running', { id: 'running', from: -HOUR / 2, to: HOUR / 2 });
    const soon = file('soon', { id: 'soon', from: HOUR, to: 2 * HOUR });
    const older = file('older', { id: 'older', from: -6 * HOUR, to: -5 * HOUR });
    expect(syncOrder([past, later, wide, running, soon, older], NOW).map((f) => f.filename)).toEqual([
      'running',
      'soon',
      'later',
      'past',
      'older',
      'wide',
    ]);
  });

  it('groups by session in start order, the event-wide files last', () => {
    const groups = groupBySession([
      file('w'),
      file('b', { id: 'b', from: 2 * HOUR, to: 3 * HOUR }),
      file('a', { id: 'a', from: HOUR, to: 2 * HOUR }),
      file('b2', { id: 'b', from: 2 * HOUR, to: 3 * HOUR }),
    ]);
    expect(groups.map((g) => [g.id, g.files.map((f) => f.filename)])).toEqual([
      ['a', ['a']],
      ['b', ['b', 'b2']],
      [null, ['w']],
    ]);
  });

  it('drops records that are not usable files instead of failing the list', () => {
    const good = { sha256: 'a'.repeat(64), filename: 'ok.pdf', size: 1 };
    const { files, dropped } = parseEventFileList({
      items: [
        good,
        { ...good, sha256: 'x' },
        { ...good, size: -1 },
        { ...good, filename: '' },
        null,
        'str',
        { ...good, session_id: 's', session_starts_at: 'not a date' },
      ],
    });
    expect(files.map((f) => f.filename)).toEqual(['ok.pdf', 'ok.pdf']);
    expect(files[1]!.session_starts_at).toBeNull();
    expect(dropped).toBe(5);
    expect(() => parseEventFileList({ items: 'nope' })).toThrow(/items/);
  });

  it('reads the place from a launcher path', () => {
    expect(placeFromPath('/events/ev%201/launcher/loc_a')).toEqual({ eventId: 'ev 1', locationId: 'loc_a' });
    expect(placeFromPath('/elsewhere')).toBeNull();
    expect(placeFromPath('/events/%E0%A4%A/launcher/x')).toBeNull();
  });
});

describe('modes, names and periods', () => {
  it('detects the mode: the bridge wins, then the configured onsite flag, then ?mode=onsite', () => {
    expect(detectMode({ win: { electronTRPC: {}, location: { search: '?mode=onsite' } } })).toBe('native');
    expect(detectMode({ onsite: true, win: { location: { search: '' } } })).toBe('onsite');
    expect(detectMode({ win: { location: { search: '?mode=onsite' } } })).toBe('onsite');
    expect(detectMode({ win: { location: { search: '?mode=native' } } })).toBe('default');
    expect(detectMode({ win: { electronTRPC: {} } })).toBe('native');
  });

  it('names Onsite downloads <name>.<ext><suffix>', () => {
    expect(onsiteName('Keynote.pptx', 'win')).toBe('Keynote.pptxwin');
    expect(onsiteName('Café & Crème.key', 'x')).toBe('Café & Crème.keyx');
    expect(onsiteName('README', 'win')).toBe('README.win');
    expect(onsiteName('.hidden', 'win')).toBe('.hidden.win');
  });

  it('shows sizes and ages as people read them', () => {
    expect([readableSize(300), readableSize(65_536), readableSize(1_048_576), readableSize(25_165_824)]).toEqual([
      '300 B',
      '66 KB',
      '1.0 MB',
      '25 MB',
    ]);
    expect([ago(NOW - 4_000, NOW), ago(NOW - 125_000, NOW), ago(NOW - 2 * HOUR, NOW)]).toEqual([
      '4 s ago',
      '2 min ago',
      '2 h ago',
    ]);
  });

  it('takes the period from the API per mode, bounded, else the defaults', () => {
    expect(refreshSeconds('native', { uiRefreshPeriod: 2, siteRefreshPeriods: { native: 9 } })).toBe(2);
    expect(refreshSeconds('onsite', { uiRefreshPeriod: 2, siteRefreshPeriods: { onsite: 7 } })).toBe(7);
    expect(refreshSeconds('default', { siteRefreshPeriods: { default: 0 } })).toBe(DEFAULT_REFRESH_SECONDS.default);
    expect(refreshSeconds('default', { siteRefreshPeriods: { default: 0.001 } })).toBe(0.2);
    expect(refreshSeconds('onsite', { siteRefreshPeriods: 'junk' })).toBe(15);
    expect(DEFAULT_REFRESH_SECONDS).toEqual({ native: 5, onsite: 15, default: 60 });
  });
});

function fakeVisibility() {
  let hidden = false;
  const shown: Array<() => void> = [];
  const hiddenListeners: Array<() => void> = [];
  const host: VisibilityHost = {
    isHidden: () => hidden,
    onShown: (l) => (shown.push(l), () => shown.splice(shown.indexOf(l), 1)),
    onHidden: (l) => (hiddenListeners.push(l), () => hiddenListeners.splice(hiddenListeners.indexOf(l), 1)),
  };
  return {
    host,
    hide: () => {
      hidden = true;
      for (const l of [...hiddenListeners]) l();
    },
    show: () => {
      hidden = false;
      for (const l of [...shown]) l();
    },
  };
}

describe('RefreshTimer', () => {
  it('runs at once, then every period; not while hidden; at once again when shown', async () => {
    vi.useFakeTimers();
    try {
      const vis = fakeVisibility();
      let runs = 0;
      const timer = new RefreshTimer(
        async () => void (runs += 1),
        () => 1000,
        vis.host,
      );
      timer.start();
      await vi.advanceTimersByTimeAsync(0);
      expect(runs).toBe(1);
      await vi.advanceTimersByTimeAsync(3000);
      expect(runs).toBe(4);
      vis.hide();
      await vi.advanceTimersByTimeAsync(10_000);
      expect(runs).toBe(4);
      vis.show();
      await vi.advanceTimersByTimeAsync(0);
      expect(runs).toBe(5);
      timer.stop();
      await vi.advanceTimersByTimeAsync(10_000);
      vis.show();
      expect(runs).toBe(5);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never runs two at once: a slow run is followed by one more, not overlapped', async () => {
    vi.useFakeTimers();
    try {
      const vis = fakeVisibility();
      let active = 0;
      let most = 0;
      let runs = 0;
      const timer = new RefreshTimer(
        async () => {
          active += 1;
          runs += 1;
          most = Math.max(most, active);
          await new Promise((r) => setTimeout(r, 2500));
          active -= 1;
        },
        () => 1000,
        vis.host,
      );
      timer.start();
      timer.runNow();
      timer.runNow();
      await vi.advanceTimersByTimeAsync(6000);
      expect(most).toBe(1);
      expect(runs).toBeGreaterThanOrEqual(2);
      timer.stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('LauncherBackgroundSync', () => {
  it('hands over a changed list in sync order, not an unchanged one; re-checks on its period', async () => {
    vi.useFakeTimers({ now: NOW });
    try {
      const calls: string[][] = [];
      const report: CacheStatusReport = {
        files: [],
        totals: {
          files: 0,
          present: 0,
          missing: 0,
          queued: 0,
          downloading: 0,
          failed: 0,
          bytesPresent: 0,
          bytesDownloading: 0,
        },
        sessions: [],
        disk: { freeBytes: null, freeUnknown: null, minFreeBytes: 0, cacheBytes: 0, readAt: null },
      };
      const sync = new LauncherBackgroundSync(
        async ({ files }) => (calls.push(files.map((f) => f.filename!)), report),
        { periodSeconds: () => 15 },
      );
      const later = file('later', { id: 'l', from: 2 * HOUR, to: 3 * HOUR });
      const first = file('first', { id: 'f', from: HOUR, to: 2 * HOUR });
      await sync.setFiles([later, first]);
      await sync.setFiles([later, first]);
      expect(calls).toEqual([['first', 'later']]);
      sync.start();
      await vi.advanceTimersByTimeAsync(15_000);
      expect(calls).toHaveLength(2);
      await sync.setFiles([first]);
      expect(calls.at(-1)).toEqual(['first']);
      sync.stop();
      await vi.advanceTimersByTimeAsync(60_000);
      expect(calls).toHaveLength(3);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('open when ready (native): launch.open at once, progress from the cache meanwhile', () => {
  const downloading = { ...AVAILABLE, phase: 'downloading' as const, progress: 0.25, bytes: 250 };

  it('a click on a file still downloading keeps its progress and says it opens when ready', () => {
    const waiting = waitingToOpen({ ...downloading, message: 'retrying: stalled' });
    expect(waiting).toEqual({ ...downloading, opensWhenReady: true, message: null });
    // Progress events while launch.open is pending keep the mark; the verified file shows ready.
    const more = fromCacheStatus(
      { sha256: 'a'.repeat(64), state: 'downloading', bytes: 750, size: 1000, lastError: null },
      waiting,
      1000,
    );
    expect(more).toMatchObject({ phase: 'downloading', progress: 0.75, opensWhenReady: true });
    const present = fromCacheStatus({ sha256: 'a'.repeat(64), state: 'present', bytes: 1000, size: 1000 }, more, 1000);
    expect(present).toMatchObject({ phase: 'ready', opensWhenReady: true });
    expect(opened(present, 'Keynote.pptx')).toEqual({
      phase: 'ready',
      progress: 1,
      bytes: 1000,
      opensWhenReady: false,
      result: 'Keynote.pptx',
      message: null,
    });
  });

  it('says what a failed open means, by the bridge code, and what a click does now', () => {
    expect(openFailureMessage({ code: 'TIMEOUT', message: 'x', waitedMs: 10 * 60_000 })).toBe(
      'still downloading after 10 min; click to try again',
    );
    expect(openFailureMessage({ code: 'TIMEOUT', message: 'x', waitedMs: 20_000 })).toBe(
      'still downloading after 20 s; click to try again',
    );
    expect(openFailureMessage({ code: 'CLIENT_CLOSED_REQUEST', message: 'x', waitedMs: 0 })).toBe(
      'the app stopped waiting for this file; click to try again',
    );
    expect(openFailureMessage({ code: 'NOT_FOUND', message: 'x', waitedMs: 0 })).toBe('not in this laptop’s cache yet');
    expect(openFailureMessage({ code: 'PRECONDITION_FAILED', message: 'no app opens .key files', waitedMs: 0 })).toBe(
      'could not open: no app opens .key files',
    );
    expect(openFailureMessage({ code: null, message: 'socket closed', waitedMs: 0 })).toBe(
      'could not open: socket closed',
    );
  });

  it('a timed-out wait leaves the file downloading, unmarked, so the next click asks again', () => {
    const after = openFailed(waitingToOpen(downloading), { code: 'TIMEOUT', message: 'x', waitedMs: 10 * 60_000 });
    expect(after).toEqual({
      ...downloading,
      opensWhenReady: false,
      message: 'still downloading after 10 min; click to try again',
    });
    // A ready file whose app could not open it stays ready.
    const ready = { ...AVAILABLE, phase: 'opening' as const, progress: 1 };
    expect(openFailed(ready, { code: 'PRECONDITION_FAILED', message: 'no app', waitedMs: 0 })).toMatchObject({
      phase: 'ready',
      message: 'could not open: no app',
    });
  });
});
