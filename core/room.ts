import type { CommandRunner } from '../base/command-runner';
import type { Logger } from '../base/logger';
import type { Platform } from '../base/platform';
import { createReadinessTracker, type SessionReadiness } from '../cache/session-readiness';
import type { EventFile } from '../contracts/api';
import type { DiskReport } from '../contracts/cache';
import type { z } from 'zod';
import type {
  DiskSpace,
  OnScreen,
  RoomTelemetry as RoomTelemetryShape,
  SessionReadiness as SessionReadinessShape,
} from '../contracts/status-file';
import { presentationAppRunning } from '../kiosk/presentation-running';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import type { PresentationLog } from '../update-helper/presentation-log';
import { roomState } from '../update-helper/room-state';
import type { ScreenshotWriter } from '../update-helper/screenshot-writer';
import { updateBlocker } from '../update-helper/update-timing';

/**
 * What the room is doing, for the status file and the ops dashboard (issue 13): the room state, what
 * is on screen and whether its app still runs, show-readiness per session, the latest screenshot,
 * and whether a staged update must wait. Process checks and screenshots are slow, so they run on a
 * slow timer (and right after an open); the status file reads the last values synchronously.
 */
export interface RoomTelemetryDeps {
  platform: Platform;
  run: CommandRunner;
  bootstrap: () => BootstrapState;
  /** The event's file list from the API (session fields included), or null. */
  eventFiles: () => readonly EventFile[] | null;
  isPresent: (sha256: string) => boolean;
  cache: () => { files: number; missing: number };
  syncing: () => boolean;
  /** The cache volume's free space (bounded by the cache's own gauge), read on the slow timer. */
  disk?: () => Promise<DiskReport>;
  /** The device record's `screenshot_minutes` (null: no screenshots, the default). */
  screenshotMinutes: () => number | null;
  presentations: PresentationLog | null;
  screenshots: ScreenshotWriter | null;
  logger: Logger;
  onChange: () => void;
  now?: () => Date;
  refreshMs?: number;
}

export interface RoomFields {
  room: z.infer<typeof RoomTelemetryShape>;
  on_screen: z.infer<typeof OnScreen> | null;
  sessions: z.infer<typeof SessionReadinessShape>[];
  screenshot: string | null;
  /** Absent until the slow timer read it once. */
  disk?: z.infer<typeof DiskSpace>;
}

export interface RoomTelemetry {
  /** A launch handed this file to its app: it is on screen now, and counted as presented. */
  opened(file: {
    filename: string;
    sha256: string;
    event_file_id: string | null;
    event_device_id: string | null;
  }): void;
  fields(): RoomFields;
  /**
   * Readiness per session, from the room's one tracker: `cache.status`, the status file and the splash
   * all read this, so they agree on `at_risk_since`. Memory only.
   */
  sessions(): SessionReadiness[];
  /** A file the app opened is on screen and its presentation app still runs (background sync is polite meanwhile). */
  isPresenting(): boolean;
  /** Why a staged update must not be applied now (a presentation, a session window), or null. */
  waitingFor(): string | null;
  refresh(): Promise<void>;
  close(): Promise<void>;
}

export function createRoomTelemetry(deps: RoomTelemetryDeps): RoomTelemetry {
  const now = deps.now ?? (() => new Date());
  const tracker = createReadinessTracker();
  let onScreen: RoomFields['on_screen'] = null;
  // Memory lookups only (the list and the cache's index), so the status file reads them fresh each time.
  const sessions = (): SessionReadiness[] => tracker.check(deps.eventFiles() ?? [], deps.isPresent, now());
  let screenshot: string | null = null;
  let disk: z.infer<typeof DiskSpace> | null = null;
  let refreshing: Promise<void> | null = null;
  let recording: Promise<void> = Promise.resolve();
  let closed = false;

  async function refreshNow(): Promise<void> {
    const running = await presentationAppRunning(deps.platform, deps.run);
    if (onScreen) onScreen = { ...onScreen, app_running: running };
    if (deps.disk) disk = diskFields(await deps.disk());
    const minutes = deps.screenshotMinutes();
    if (deps.screenshots) screenshot = await deps.screenshots.maybeCapture(minutes === null ? null : minutes * 60_000);
    if (deps.presentations) await deps.presentations.deliver();
    deps.onChange();
  }

  const refresh = () => {
    if (closed) return Promise.resolve();
    refreshing ??= refreshNow()
      .catch((err: unknown) => deps.logger.warn({ err }, 'room telemetry could not be refreshed'))
      .finally(() => (refreshing = null));
    return refreshing;
  };
  const timer = setInterval(() => void refresh(), deps.refreshMs ?? 15_000);
  timer.unref();

  const presenting = () => (onScreen?.app_running ? { filename: onScreen.filename } : null);

  return {
    opened(file) {
      onScreen = { filename: file.filename, sha256: file.sha256, since: now().toISOString(), app_running: true };
      if (deps.presentations) {
        recording = deps.presentations
          .record({
            event_device_id: file.event_device_id,
            event_file_id: file.event_file_id,
            sha256: file.sha256,
            filename: file.filename,
          })
          .then(
            () => undefined,
            (err: unknown) =>
              deps.logger.error({ err }, 'an open could not be written to the proof-of-presentation journal'),
          );
      }
      deps.onChange();
      // The app may take a moment to start: check after it had one.
      setTimeout(() => void refresh(), 3_000).unref();
    },
    fields() {
      const state = deps.bootstrap();
      const room = roomState({
        bootstrap: state.kind,
        bootstrapReason: state.kind === 'failed' ? state.reason : null,
        cache: deps.cache(),
        syncing: deps.syncing(),
        presenting: presenting(),
      });
      return {
        room,
        on_screen: onScreen,
        sessions: sessions()
          .slice(0, 500)
          .map((s) => ({
            id: s.id,
            title: s.title,
            starts_at: s.starts_at,
            ready: s.ready,
            missing: s.missing,
            files: s.files,
            at_risk_since: s.at_risk_since,
          })),
        screenshot,
        ...(disk ? { disk } : {}),
      };
    },
    sessions,
    isPresenting: () => presenting() !== null,
    waitingFor: () => updateBlocker({ now: now(), presenting: presenting(), sessions: sessions() }),
    refresh,
    async close() {
      closed = true;
      clearInterval(timer);
      await refreshing;
      // The last opens reach the share now if it is there; otherwise the journal keeps them for the next start.
      await recording;
      await deps.presentations?.deliver();
    },
  };
}

/** The status file's snake_case view of the cache's disk report. */
export function diskFields(report: DiskReport): z.infer<typeof DiskSpace> {
  return {
    free_bytes: report.freeBytes,
    free_unknown: report.freeUnknown?.reason ?? null,
    min_free_bytes: report.minFreeBytes,
    cache_bytes: report.cacheBytes,
  };
}
