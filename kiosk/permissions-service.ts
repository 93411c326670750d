import type { Logger } from 'pino';
import type { Platform } from '../base/platform';
import type {
  PermissionKind,
  PermissionReport,
  PermissionRequestResult,
  PermissionsOverview,
  PermissionStatus,
} from '../contracts/permissions';
import {
  AUTOMATION_TARGETS,
  probeAutomation,
  type AppAutomationState,
  type AutomationTarget,
} from './automation-permission';
import type { CommandRunner } from '../base/command-runner';

/**
 * The macOS TCC permissions the launcher needs, and the "check and prompt" steps the splash walks
 * through (DESIGN §10). The Electron adapter (apps/desktop/permissions.electron.ts) passes the real
 * `systemPreferences`, a screen-capture probe and an opener for System Settings.
 */

/** The part of Electron's `systemPreferences` this needs (macOS only). */
export interface MacPermissionsApi {
  getMediaAccessStatus(mediaType: 'camera' | 'microphone' | 'screen'): string;
  askForMediaAccess(mediaType: 'camera' | 'microphone'): Promise<boolean>;
  isTrustedAccessibilityClient(prompt: boolean): boolean;
}

/**
 * Attempts a tiny screen capture. Screen Recording cannot be requested through an API: a capture
 * attempt is what makes macOS list the app in System Settings (and, on some versions, prompt).
 */
export type ScreenCaptureProbe = (timeoutMs: number) => Promise<unknown>;

/** Remembers that the one accessibility prompt was used (macOS shows it only once). */
export interface PromptLedger {
  hasPrompted(kind: PermissionKind): boolean;
  markPrompted(kind: PermissionKind): void;
}

export interface PermissionsServiceDeps {
  platform: Platform;
  logger: Logger;
  systemPreferences: MacPermissionsApi;
  screenCaptureProbe: ScreenCaptureProbe;
  /** Opens one of the fixed `x-apple.systempreferences:` URLs below. */
  openSettingsPane: (url: string) => Promise<void>;
  /** Runs `osascript` for the Automation probe (kiosk/automation-permission.ts); without it Automation is unknown on macOS. */
  run?: CommandRunner;
  ledger?: PromptLedger;
  screenProbeTimeoutMs?: number;
}

/** What the OS answers about its TCC permissions: built here by `createPermissionsService`. */
export interface TccPermissions {
  status(): Promise<PermissionsOverview>;
  request(kind: PermissionKind): Promise<PermissionRequestResult>;
  openSettings(kind: PermissionKind): Promise<{ opened: boolean }>;
}

/**
 * The `permissions` group's service contract (router/permissions.ts serves it): TCC plus the
 * splash's "Continue without", which the edge's permissions gate adds (apps/desktop/permissions-gate.ts).
 */
export interface PermissionsService extends TccPermissions {
  /** Ops chose to go on with permissions missing: the kiosk stops waiting for them. */
  continueWithout(): void;
}

export const PERMISSION_KINDS: readonly PermissionKind[] = [
  'camera',
  'microphone',
  'screen',
  'accessibility',
  'automation',
];

const PANE: Record<PermissionKind, string> = {
  camera: 'Privacy_Camera',
  microphone: 'Privacy_Microphone',
  screen: 'Privacy_ScreenCapture',
  accessibility: 'Privacy_Accessibility',
  automation: 'Privacy_Automation',
};

const PANE_NAME: Record<PermissionKind, string> = {
  camera: 'Camera',
  microphone: 'Microphone',
  screen: 'Screen & System Audio Recording',
  accessibility: 'Accessibility',
  automation: 'Automation',
};

export function settingsUrlFor(kind: PermissionKind): string {
  return `x-apple.systempreferences:com.apple.preference.security?${PANE[kind]}`;
}

export const DEFAULT_SCREEN_PROBE_TIMEOUT_MS = 3000;

const STATUSES: ReadonlySet<string> = new Set(['granted', 'denied', 'not-determined', 'restricted', 'unknown']);

export function createPermissionsService(deps: PermissionsServiceDeps): TccPermissions {
  const ledger = deps.ledger ?? memoryLedger();
  const timeoutMs = deps.screenProbeTimeoutMs ?? DEFAULT_SCREEN_PROBE_TIMEOUT_MS;
  const mac = deps.platform === 'darwin';

  const automation = automationTracker(deps, ledger);

  const readNow = (kind: Exclude<PermissionKind, 'automation'>): PermissionStatus => {
    if (!mac) return kind === 'accessibility' ? 'not-applicable' : 'granted';
    try {
      if (kind === 'accessibility') {
        // A silent check before the first prompting call stops macOS from ever showing the prompt
        // (electron/electron#28395), so until the prompt was used the status is not read.
        if (!ledger.hasPrompted('accessibility')) return 'not-determined';
        return deps.systemPreferences.isTrustedAccessibilityClient(false) ? 'granted' : 'denied';
      }
      const raw = deps.systemPreferences.getMediaAccessStatus(kind);
      return STATUSES.has(raw) ? (raw as PermissionStatus) : 'unknown';
    } catch (error) {
      deps.logger.warn({ kind, err: error }, 'permission status could not be read');
      return 'unknown';
    }
  };

  const read = async (kind: PermissionKind): Promise<PermissionStatus> => {
    if (kind !== 'automation') return readNow(kind);
    return mac ? automation.status() : 'not-applicable';
  };

  const report = async (kind: PermissionKind, known?: PermissionStatus): Promise<PermissionReport> => {
    const status = known ?? (await read(kind));
    return {
      kind,
      status,
      hint: hintFor(kind, status, ledger.hasPrompted(kind), automation.appsNamed()),
      settingsUrl: mac ? settingsUrlFor(kind) : null,
    };
  };

  const openPane = async (kind: PermissionKind): Promise<boolean> => {
    if (!mac) return false;
    try {
      await deps.openSettingsPane(settingsUrlFor(kind));
      return true;
    } catch (error) {
      deps.logger.warn({ kind, err: error }, 'System Settings could not be opened');
      return false;
    }
  };

  const result = async (
    kind: PermissionKind,
    action: PermissionRequestResult['action'],
    known?: PermissionStatus,
  ): Promise<PermissionRequestResult> => ({
    ...(await report(kind, known)),
    action,
  });

  const requestMedia = async (kind: 'camera' | 'microphone'): Promise<PermissionRequestResult> => {
    if (readNow(kind) !== 'not-determined') return result(kind, (await openPane(kind)) ? 'opened-settings' : 'none');
    ledger.markPrompted(kind);
    try {
      await deps.systemPreferences.askForMediaAccess(kind);
    } catch (error) {
      deps.logger.warn({ kind, err: error }, 'media access prompt failed');
    }
    return result(kind, 'prompted');
  };

  const requestScreen = async (): Promise<PermissionRequestResult> => {
    const outcome = await boundedProbe(deps.screenCaptureProbe, timeoutMs);
    deps.logger.info({ outcome }, 'screen recording probe finished');
    ledger.markPrompted('screen');
    if (readNow('screen') === 'granted') return result('screen', 'prompted');
    return result('screen', (await openPane('screen')) ? 'opened-settings' : 'prompted');
  };

  const requestAccessibility = async (): Promise<PermissionRequestResult> => {
    // Once asked (or after a silent check suppressed the dialog), macOS never shows it again:
    // the only way forward is the System Settings pane, so that is opened instead of a dead end.
    if (!ledger.hasPrompted('accessibility')) {
      ledger.markPrompted('accessibility');
      safeTrust(deps, true);
      return result('accessibility', 'prompted');
    }
    return result('accessibility', (await openPane('accessibility')) ? 'opened-settings' : 'none');
  };

  const requestAutomation = async (): Promise<PermissionRequestResult> => {
    // macOS asks once per app; after that only System Settings changes the answer.
    if (!ledger.hasPrompted('automation')) {
      await automation.ask();
      return result('automation', 'prompted');
    }
    return result('automation', (await openPane('automation')) ? 'opened-settings' : 'none');
  };

  return {
    async status() {
      const permissions: PermissionReport[] = [];
      for (const kind of PERMISSION_KINDS) permissions.push(await report(kind));
      return {
        permissions,
        complete: permissions.every((p) => p.status === 'granted' || p.status === 'not-applicable'),
      };
    },
    async request(kind) {
      const current = await read(kind);
      if (current === 'granted' || current === 'not-applicable') return result(kind, 'none', current);
      switch (kind) {
        case 'camera':
        case 'microphone':
          return requestMedia(kind);
        case 'screen':
          return requestScreen();
        case 'accessibility':
          return requestAccessibility();
        case 'automation':
          return requestAutomation();
        default: {
          const unknownKind: never = kind;
          throw new Error(`unknown permission kind ${String(unknownKind)}`);
        }
      }
    },
    async openSettings(kind) {
      return { opened: await openPane(kind) };
    },
  };
}

function safeTrust(deps: PermissionsServiceDeps, prompt: boolean): boolean {
  try {
    return deps.systemPreferences.isTrustedAccessibilityClient(prompt);
  } catch (error) {
    deps.logger.warn({ err: error }, 'accessibility trust check failed');
    return false;
  }
}

type ProbeOutcome = 'completed' | 'failed' | 'timed-out';

/** The probe gets its own deadline too: an injected probe that ignores its timeout cannot hang `request`. */
async function boundedProbe(probe: ScreenCaptureProbe, timeoutMs: number): Promise<ProbeOutcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<ProbeOutcome>((resolve) => {
    timer = setTimeout(() => resolve('timed-out'), timeoutMs);
    timer.unref?.();
  });
  const attempt = Promise.resolve()
    .then(() => probe(timeoutMs))
    .then(
      (): ProbeOutcome => 'completed',
      (): ProbeOutcome => 'failed',
    );
  try {
    return await Promise.race([attempt, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function hintFor(
  kind: PermissionKind,
  status: PermissionStatus,
  prompted: boolean,
  automationApps: string,
): string | null {
  if (status === 'granted' || status === 'not-applicable') return null;
  const pane = `System Settings › Privacy & Security › ${PANE_NAME[kind]}`;
  if (status === 'restricted')
    return `${PANE_NAME[kind]} is blocked by a device profile (MDM); ask IT to allow it for Aether.`;
  if (kind === 'automation') {
    const apps = automationApps || 'the presentation apps';
    if (status === 'not-determined' && !prompted) {
      return `Press "Allow" so macOS asks whether Aether may control ${apps} (it opens each once to ask); slideshows need it.`;
    }
    if (status === 'unknown')
      return `Aether could not check whether it may control ${apps}. If slideshows do not start, open ${pane}, expand Aether and switch on ${apps}.`;
    return `Open ${pane}, expand Aether and switch on ${apps}; without it slideshows cannot start (macOS error -1743).`;
  }
  if (kind === 'screen') {
    return `macOS cannot ask for Screen Recording from the app. Open ${pane}, switch on Aether, then quit and reopen Aether.`;
  }
  if (kind === 'accessibility') {
    const stale =
      'If Aether is already listed and switched on, remove it with "−" and add it again (an update changes its signature).';
    return prompted
      ? `Open ${pane} and switch on Aether. ${stale}`
      : `Press "Allow" to let macOS ask for Accessibility. ${stale}`;
  }
  if (status === 'not-determined') return `Press "Allow" to let macOS ask for the ${PANE_NAME[kind]}.`;
  return `Open ${pane} and switch on Aether.`;
}

interface AutomationTracker {
  status(): Promise<PermissionStatus>;
  /** The one prompt: an event to each installed presentation app, launching it if needed. */
  ask(): Promise<void>;
  /** The installed presentation apps, for the hint ("Microsoft PowerPoint and Keynote"). */
  appsNamed(): string;
}

/**
 * Automation's status across the presentation apps: before the prompt was used only installation is
 * checked (no Apple Event, so no prompt and no app launched by a status read); afterwards each app's
 * last answer is kept, and one not granted yet is re-probed while it runs, so a grant made in System
 * Settings shows up. No installed presentation app: nothing to allow (not-applicable).
 */
function automationTracker(deps: PermissionsServiceDeps, ledger: PromptLedger): AutomationTracker {
  const known = new Map<string, AppAutomationState>();
  const logger = deps.logger;

  const installedTargets = () => AUTOMATION_TARGETS.filter((target) => known.get(target.bundleId) !== 'not-installed');

  const refresh = async (target: AutomationTarget): Promise<AppAutomationState> => {
    const last = known.get(target.bundleId);
    if (!deps.run || last === 'not-installed' || last === 'granted') return last ?? 'unknown';
    if (!ledger.hasPrompted('automation')) {
      const state = await probeAutomation(deps.run, target, 'check', logger);
      known.set(target.bundleId, state === 'installed' ? 'not-determined' : state);
      return known.get(target.bundleId) as AppAutomationState;
    }
    const state = await probeAutomation(deps.run, target, 'recheck', logger);
    // Not running: nothing was sent, so the last answer still stands.
    if (state !== 'not-running') known.set(target.bundleId, state);
    return known.get(target.bundleId) ?? 'not-determined';
  };

  return {
    async status() {
      if (!deps.run) return 'unknown';
      const states: AppAutomationState[] = [];
      for (const target of AUTOMATION_TARGETS) states.push(await refresh(target));
      return combinedStatus(states);
    },
    async ask() {
      ledger.markPrompted('automation');
      if (!deps.run) return;
      for (const target of AUTOMATION_TARGETS) {
        if (known.get(target.bundleId) === 'not-installed') continue;
        const state = await probeAutomation(deps.run, target, 'ask', logger);
        logger.info({ app: target.name, state }, 'automation prompt finished');
        known.set(target.bundleId, state === 'installed' || state === 'not-running' ? 'unknown' : state);
      }
    },
    appsNamed: () =>
      installedTargets()
        .map((target) => target.name)
        .join(' and '),
  };
}

/** One status for the row: what still needs doing comes first. */
function combinedStatus(states: readonly AppAutomationState[]): PermissionStatus {
  const installed = states.filter((state) => state !== 'not-installed');
  if (installed.length === 0) return 'not-applicable';
  if (installed.includes('denied')) return 'denied';
  if (installed.some((state) => state === 'not-determined' || state === 'installed' || state === 'not-running'))
    return 'not-determined';
  if (installed.includes('unknown')) return 'unknown';
  return 'granted';
}

function memoryLedger(): PromptLedger {
  const prompted = new Set<PermissionKind>();
  return {
    hasPrompted: (kind) => prompted.has(kind),
    markPrompted: (kind) => void prompted.add(kind),
  };
}
