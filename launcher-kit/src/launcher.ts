import { derived, writable, type Readable } from 'svelte/store';
import { fetchEventFiles, fetchSiteRefreshPeriods, type ApiAuth } from './api.js';
import { DefaultDownloads, OnsiteDownloads } from './browser-download.js';
import type { BridgeDeviceRecord } from './bridge-types.js';
import { groupBySession, placeFromPath, type LauncherFile, type SessionGroup } from './event-files.js';
import { AVAILABLE, totalProgress, type FileState, type TotalProgress } from './file-state.js';
import { detectMode, type PageMode } from './mode.js';
import type { ModeDriver, StateBook } from './mode-driver.js';
import { createNativeClient, type NativeClient } from './native-client.js';
import { NativeFiles } from './native-files.js';
import { OfflineMirror } from './offline-mirror.js';
import { DEFAULT_REFRESH_SECONDS, refreshSeconds } from './periods.js';
import { documentVisibility, RefreshTimer, type VisibilityHost } from './refresh-timer.js';

export interface LauncherOptions {
  /** The event whose files to list; default: from the page path `/events/<id>/launcher/<location>`, then (Native) the device record. */
  eventId?: string;
  /** The Aether API base URL; default: the page's own origin. */
  apiBase?: string;
  /** Default: `detectMode({ onsite })`. */
  mode?: PageMode;
  /** This launcher is deployed for onsite laptops (see detectMode). */
  onsite?: boolean;
  /** Onsite downloads are saved as `<name>.<ext><suffix>`; default `win`. */
  onsiteSuffix?: string;
  /** The kit's fallback periods when the API gives none (seconds). */
  defaultRefreshSeconds?: Partial<Record<PageMode, number>>;
  /** The offline mirror; `false` turns it off. Default: the kit's Dexie database. */
  mirror?: OfflineMirror | false;
  visibility?: VisibilityHost;
  fetch?: typeof fetch;
}

export interface ListStatus {
  loading: boolean;
  /** When the list last came from the API (ms since epoch), or from the mirror when offline. */
  updatedAt: number | null;
  source: 'api' | 'offline copy' | null;
  /** Something the operator should know, written for people; null when all is well. */
  problem: string | null;
  refreshSeconds: number;
}

export interface Launcher {
  readonly mode: PageMode;
  /** The label of every file's one button in this mode. */
  readonly actionLabel: string;
  readonly files: Readable<LauncherFile[]>;
  readonly sessions: Readable<SessionGroup[]>;
  readonly states: Readable<Record<string, FileState>>;
  readonly total: Readable<TotalProgress>;
  readonly status: Readable<ListStatus>;
  fileState(sha256: string): Readable<FileState>;
  /** The name the file's action produces (Onsite: `Keynote.pptxwin`). */
  savedName(file: LauncherFile): string;
  /** The mode's action for the file: download, download renamed, or open (when ready). */
  run(file: LauncherFile): Promise<void>;
  refresh(): void;
  start(): void;
  /** Stops timers, the live progress and the mirror for good (create a new launcher to start again). */
  stop(): void;
}

const NATIVE_CHECK_DEFAULT_SECONDS = 15;

/**
 * The launcher kit's one entry point: the event's file list, refreshed on the mode's timer and
 * mirrored offline, and one action per file that does what the mode calls for.
 */
export function createLauncher(options: LauncherOptions = {}): Launcher {
  const mode = options.mode ?? detectMode({ onsite: options.onsite });
  const apiBase = (options.apiBase ?? globalThis.location?.origin ?? '').replace(/\/+$/, '');
  const fetchFn = options.fetch ?? fetch.bind(globalThis);
  const mirror = options.mirror === false ? null : (options.mirror ?? new OfflineMirror());
  const defaults = { ...DEFAULT_REFRESH_SECONDS, ...options.defaultRefreshSeconds };

  const files = writable<LauncherFile[]>([]);
  const states = writable<Record<string, FileState>>({});
  const status = writable<ListStatus>({
    loading: true,
    updatedAt: null,
    source: null,
    problem: null,
    refreshSeconds: defaults[mode],
  });
  let current: Record<string, FileState> = {};
  states.subscribe((value) => (current = value));
  const book: StateBook = {
    get: (sha) => current[sha],
    set: (sha, state) => states.update((all) => ({ ...all, [sha]: state })),
  };

  let eventId = options.eventId ?? placeFromPath(globalThis.location?.pathname ?? '')?.eventId ?? null;
  let device: BridgeDeviceRecord | null = null;
  let sitePeriods: Record<string, number> | null = null;
  let periodSeconds = defaults[mode];
  let client: NativeClient | null = null;
  let driver: ModeDriver;
  let auth: ApiAuth;
  let bridgeProblem: string | null = null;

  switch (mode) {
    case 'native': {
      const native = createNativeClient();
      client = native;
      auth = { kind: 'bearer', token: async () => (await native.device.session.query())?.token ?? null };
      driver = new NativeFiles(
        native,
        book,
        () => device?.check_event_loop_period ?? NATIVE_CHECK_DEFAULT_SECONDS,
        (problem) => (bridgeProblem = problem),
      );
      break;
    }
    case 'onsite':
      auth = { kind: 'cookie' };
      driver = new OnsiteDownloads(apiBase, book, options.onsiteSuffix ?? 'win', fetchFn);
      break;
    case 'default':
      auth = { kind: 'cookie' };
      driver = new DefaultDownloads(apiBase, book);
      break;
    default: {
      const never: never = mode;
      throw new Error(`unknown page mode ${String(never)}`);
    }
  }

  function updatePeriod(): void {
    periodSeconds = refreshSeconds(
      mode,
      { uiRefreshPeriod: device?.ui_refresh_period, siteRefreshPeriods: sitePeriods },
      defaults,
    );
  }

  async function loadContext(): Promise<void> {
    if (client && !device) {
      device = (await client.device.get.query()).device;
      eventId ??= device?.event_id ?? null;
    }
    if (!client && sitePeriods === null) {
      const origin = globalThis.location?.origin ?? apiBase;
      sitePeriods = await fetchSiteRefreshPeriods(apiBase, origin, auth, fetchFn).catch(() => null);
    }
    updatePeriod();
  }

  async function refreshOnce(): Promise<void> {
    let problem: string | null = null;
    try {
      await loadContext();
    } catch (err) {
      problem = `the app could not say which device this is: ${err instanceof Error ? err.message : String(err)}`;
    }
    if (!eventId) {
      status.update((s) => ({
        ...s,
        loading: false,
        problem: problem ?? 'this page does not know its event: open it at /events/<event>/launcher/<location>',
      }));
      return;
    }
    let list: LauncherFile[] | null = null;
    let source: ListStatus['source'] = 'api';
    let updatedAt = Date.now();
    try {
      list = await fetchEventFiles(apiBase, eventId, auth, fetchFn);
      await mirror?.save(eventId, list, updatedAt, sitePeriods);
    } catch (err) {
      const offline = await mirror?.load(eventId);
      if (offline) {
        list = offline.files;
        source = 'offline copy';
        updatedAt = offline.at;
        if (!client && sitePeriods === null && offline.refreshPeriods) {
          sitePeriods = offline.refreshPeriods;
          updatePeriod();
        }
      }
      problem = `${err instanceof Error ? err.message : String(err)}${offline ? ': showing the list saved on this computer' : ''}`;
    }
    if (list) {
      files.set(list);
      try {
        await driver.onList(list);
      } catch (err) {
        problem ??= `the app did not answer: ${err instanceof Error ? err.message : String(err)}`;
      }
    }
    status.set({
      loading: false,
      updatedAt: list ? updatedAt : null,
      source: list ? source : null,
      problem: problem ?? bridgeProblem ?? mirror?.problem ?? null,
      refreshSeconds: periodSeconds,
    });
  }

  const timer = new RefreshTimer(refreshOnce, () => periodSeconds * 1000, options.visibility ?? documentVisibility());

  return {
    mode,
    actionLabel: driver.actionLabel,
    files,
    sessions: derived(files, (list) => groupBySession(list)),
    states,
    total: derived([files, states], ([list, all]) => totalProgress(list, all)),
    status,
    fileState: (sha256) => derived(states, (all) => all[sha256] ?? AVAILABLE),
    savedName: (file) => driver.savedName(file),
    run: (file) => driver.run(file),
    refresh: () => timer.runNow(),
    start: () => timer.start(),
    stop: () => {
      timer.stop();
      driver.stop();
      mirror?.close();
    },
  };
}
