import { assertNever } from '../base/failure';
import { stay, to, type Transition } from '../base/machine';

/**
 * The update state machine's states (issue 5): idle → seen → waiting-for-payload → verifying →
 * staged → applying, or failed with a typed `failure`. `update.status`, `update.events`, the splash,
 * the "Check for Updates…" menu item and the fleet status file all show the current one; `reason` is
 * the failure's sentence (made once, by `describeUpdateFailure`), for display only.
 */
export type UpdateState =
  | { kind: 'idle'; note?: string }
  | { kind: 'seen'; version: string; notes?: string }
  | { kind: 'waiting-for-payload'; version: string; file: string; have: number; need: number }
  | { kind: 'verifying'; version: string; file: string }
  | { kind: 'staged'; version: string; stagedPath: string; notes?: string }
  | { kind: 'applying'; version: string }
  | { kind: 'failed'; failure: UpdateFailure; reason: string; version?: string };

export type UpdateStateKind = UpdateState['kind'];

export interface UpdateStatus {
  appVersion: string;
  state: UpdateState;
}

/** Why an update is stuck: switch on `code`; every failure waits for a corrected share or a manual retry. */
export type UpdateFailure =
  /** The share's version.json cannot be read safely (a link, a FIFO, a folder, too large): a fixed description. */
  | { code: 'version-json-refused'; detail: string }
  /** Reading the share failed in a way no other code names (the next change or re-scan tries again). */
  | { code: 'share-unreadable'; detail: string }
  /** The share's version.json is not JSON at all. */
  | { code: 'version-json-syntax'; detail: string }
  /** The share's version.json is JSON but breaks its schema: one "path: message" per issue. */
  | { code: 'version-json-invalid'; issues: string[] }
  /** The payload is larger than version.json says. */
  | { code: 'payload-too-large'; version: string; file: string; have: number; need: number }
  /** The build version.json names is a link, a folder or a FIFO: never followed or read. */
  | { code: 'payload-not-a-file'; version: string; file: string; what: string }
  /** The payload's SHA-256 is not the one version.json names. */
  | { code: 'payload-hash-mismatch'; version: string; file: string }
  /** Staging refused the build or the install location (the sentence says what to do). */
  | { code: 'staging-refused'; version: string; detail: string }
  /** Staging failed for a reason nobody foresaw (logged with its stack). */
  | { code: 'staging-failed'; version: string; detail: string }
  /** The swap helper could not be started. */
  | { code: 'handover-failed'; version: string; detail: string };

export type UpdateFailureCode = UpdateFailure['code'];

/** The one place an update failure becomes the sentence the splash, the menu and the status file show. */
export function describeUpdateFailure(failure: UpdateFailure): string {
  switch (failure.code) {
    case 'version-json-refused':
      return `version.json in the share is refused: ${failure.detail}; waiting for a corrected file`;
    case 'share-unreadable':
      return `Checking the share for an update failed (${failure.detail}); the next change or re-scan tries again`;
    case 'version-json-syntax':
      return `version.json in the share ${failure.detail}; waiting for a corrected file`;
    case 'version-json-invalid':
      return `version.json in the share is invalid: ${failure.issues.join('; ')}; waiting for a corrected file`;
    case 'payload-too-large':
      return `${failure.file} is ${failure.have} bytes but version.json says ${failure.need}; waiting for a corrected file`;
    case 'payload-not-a-file':
      return `${failure.file} in the share is ${failure.what}, not a regular file; it is never followed or read; waiting for a corrected file`;
    case 'payload-hash-mismatch':
      return `${failure.file} does not match the SHA-256 in version.json; waiting for a corrected file`;
    case 'staging-refused':
      return failure.detail;
    case 'staging-failed':
      return `Staging ${failure.version} failed: ${failure.detail}`;
    case 'handover-failed':
      return `Could not hand the update to the swap helper: ${failure.detail}`;
    default:
      return assertNever(failure, 'update failure');
  }
}

/** The `failed` state for `failure`: its sentence and, when it is about one, its version. */
export function failedUpdate(failure: UpdateFailure): Extract<UpdateState, { kind: 'failed' }> {
  // The share's version.json may not be readable, so not every failure names a version.
  const version = 'version' in failure ? failure.version : undefined;
  return { kind: 'failed', failure, reason: describeUpdateFailure(failure), ...(version ? { version } : {}) };
}

/** What the version watcher learnt from the share, or what ops asked for. */
export type UpdateEvent =
  /** The share's release is not for this laptop (or not newer), and nothing is staged. */
  | { type: 'ignored'; note: string }
  | { type: 'seen'; version: string; notes?: string }
  | { type: 'payload-waiting'; version: string; file: string; have: number; need: number }
  | { type: 'verifying'; version: string; file: string }
  | { type: 'staged'; version: string; stagedPath: string; notes?: string }
  | { type: 'applying'; version: string }
  | { type: 'failed'; failure: UpdateFailure };

/**
 * The pure transition. A release already announced is not announced again while its payload is
 * still syncing; once applying, only a failed hand-over moves the state (an evaluation still in
 * flight must not pull it back). The same state again is no change.
 */
export function updateStep(state: UpdateState, event: UpdateEvent): Transition<UpdateState, never> {
  if (state.kind === 'applying' && !(event.type === 'failed' && event.failure.code === 'handover-failed'))
    return stay(state);
  const next = target(state, event);
  return next === state || sameUpdateState(state, next) ? stay(state) : to(next);
}

function target(state: UpdateState, event: UpdateEvent): UpdateState {
  switch (event.type) {
    case 'ignored':
      return { kind: 'idle', note: event.note };
    case 'seen':
      if (state.kind === 'waiting-for-payload' && state.version === event.version) return state;
      return { kind: 'seen', version: event.version, ...(event.notes ? { notes: event.notes } : {}) };
    case 'payload-waiting':
      return {
        kind: 'waiting-for-payload',
        version: event.version,
        file: event.file,
        have: event.have,
        need: event.need,
      };
    case 'verifying':
      return { kind: 'verifying', version: event.version, file: event.file };
    case 'staged':
      return {
        kind: 'staged',
        version: event.version,
        stagedPath: event.stagedPath,
        ...(event.notes ? { notes: event.notes } : {}),
      };
    case 'applying':
      return { kind: 'applying', version: event.version };
    case 'failed':
      return failedUpdate(event.failure);
    default:
      return assertNever(event, 'update event');
  }
}

/** Field by field, per kind: what a subscriber would see as "the same state". */
function sameUpdateState(a: UpdateState, b: UpdateState): boolean {
  switch (a.kind) {
    case 'idle':
      return b.kind === 'idle' && a.note === b.note;
    case 'seen':
      return b.kind === 'seen' && a.version === b.version && a.notes === b.notes;
    case 'waiting-for-payload':
      return (
        b.kind === 'waiting-for-payload' &&
        a.version === b.version &&
        a.file === b.file &&
        a.have === b.have &&
        a.need === b.need
      );
    case 'verifying':
      return b.kind === 'verifying' && a.version === b.version && a.file === b.file;
    case 'staged':
      return b.kind === 'staged' && a.version === b.version && a.stagedPath === b.stagedPath && a.notes === b.notes;
    case 'applying':
      return b.kind === 'applying' && a.version === b.version;
    case 'failed':
      return (
        b.kind === 'failed' && a.reason === b.reason && a.failure.code === b.failure.code && a.version === b.version
      );
    default:
      return assertNever(a, 'update state');
  }
}
