import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Logger } from 'pino';
import { errorText } from '../base/failure';
import { createMachine } from '../base/machine';
import { serialRerun } from '../base/serial-rerun';
import {
  createShareWatcher,
  type ShareEntry,
  type ShareSnapshot,
  type ShareWatcherOptions,
} from '../provisioning/share-watcher';
import { readShareFileSafely, ShareReadError } from '../provisioning/share-read';
import { describeVersionIssues, VERSION_FILE_MAX_BYTES, versionJsonSyntaxProblem } from './version-file-read';
import { checkPayload, PayloadHashCache } from './payload-check';
import type { StagedManifest } from '../contracts/staged-manifest';
import { StagingError, type BuildToStage } from './staging';
import {
  describeUpdateFailure,
  type UpdateEvent,
  type UpdateFailure,
  type UpdateState,
  type UpdateStatus,
  updateStep,
} from './update-state';
import { ineligibility } from './version-eligibility';
import {
  type BuildTarget,
  NATIVE_APP_DIR,
  releaseForTarget,
  VERSION_FILE_NAME,
  type VersionFile,
  VersionManifest,
} from '../contracts/version';

/** Provided by the swap helper's module: quits the app and hands the staged build to the helper. */
export type ApplyStagedUpdate = (staged: StagedManifest) => Promise<unknown>;
/** `stageBuild` with its platform, install path and runner already bound by the composition root. */
export type StageBuild = (build: BuildToStage, signal: AbortSignal) => Promise<StagedManifest>;

export class UpdateNotReadyError extends Error {
  override name = 'UpdateNotReadyError';
}

export interface VersionWatcherDeps {
  shareRoot: string;
  appVersion: string;
  /** Normalised, compared with `only_hosts`. */
  hostname: string;
  /** This laptop's platform and architecture: a per-platform version.json names one build each. */
  target: BuildTarget;
  logger: Logger;
  stage: StageBuild;
  applyStagedUpdate: ApplyStagedUpdate;
  watch?: Pick<ShareWatcherOptions, 'debounceMs' | 'maxWaitMs' | 'rescanMs' | 'poll'>;
}

export interface VersionWatcher {
  status(): UpdateStatus;
  /** Calls `listener` on every state change until the returned function is called. */
  subscribe(listener: (status: UpdateStatus) => void): () => void;
  start(): Promise<void>;
  /** "Check for Updates…": re-read the share now, even if nothing seems to have changed. */
  checkNow(): Promise<void>;
  /** Quits and hands over to the swap helper; only from `staged`. */
  apply(): Promise<void>;
  close(): Promise<void>;
}

const sig = (e: ShareEntry | undefined) => (e ? `${e.type}:${e.ino}:${e.size}:${e.mtimeMs}` : '-');

/**
 * Watches `<share>/binaries/native_app/` and drives the update state machine. Every snapshot is
 * evaluated from scratch against the files as they are now; a newer snapshot aborts an evaluation
 * still hashing or staging (a second release dropped while the first is verified). The states are
 * decided by `updateStep` on the kernel (base/machine.ts); this is the I/O around it.
 */
export function createVersionWatcher(deps: VersionWatcherDeps): VersionWatcher {
  const dir = path.join(deps.shareRoot, ...NATIVE_APP_DIR);
  const log = deps.logger.child({ module: 'version-watcher' });
  const hashes = new PayloadHashCache();
  const machine = createMachine<UpdateState, UpdateEvent, never>({
    initial: { kind: 'idle' },
    step: updateStep,
    onListenerError: (err) => log.error({ err }, 'an update state listener threw'),
  });
  const state = (): UpdateState => machine.state();

  let staged: StagedManifest | null = null;
  let latest: ShareSnapshot = new Map();
  let doneKey: string | null = null;
  let lastLogged: string | null = null;
  const evaluations = serialRerun(
    () => evaluate(latest),
    () => !closed,
  );
  let inFlight: { controller: AbortController; versionSig: string; payloadName: string; payloadSig: string } | null =
    null;
  let closed = false;

  const shareWatcher = createShareWatcher({
    dir,
    logger: deps.logger,
    ...deps.watch,
    onSnapshot: (snapshot) => onSnapshot(snapshot),
  });

  function status(): UpdateStatus {
    return { appVersion: deps.appVersion, state: state() };
  }

  const send = (event: UpdateEvent): void => machine.dispatch(event);

  /** Logs a condition once; the same condition on the next event or re-scan stays silent. */
  function logOnce(level: 'info' | 'warn' | 'error', key: string, message: string, extra: object = {}): void {
    if (lastLogged === key) return;
    lastLogged = key;
    log[level]({ dir, ...extra }, message);
  }

  function onSnapshot(snapshot: ShareSnapshot): void {
    latest = snapshot;
    const stale =
      inFlight &&
      (sig(snapshot.get(VERSION_FILE_NAME)) !== inFlight.versionSig ||
        sig(snapshot.get(inFlight.payloadName)) !== inFlight.payloadSig);
    if (stale) inFlight?.controller.abort();
    void evaluations.run();
  }

  /** A problem with the share's version.json: shown as `failed`, unless a good build is already staged. */
  function problem(key: string, failure: UpdateFailure): void {
    logOnce('warn', key, describeUpdateFailure(failure), { failure: failure.code });
    if (staged) send({ type: 'staged', version: staged.version, stagedPath: staged.staged_path });
    else send({ type: 'failed', failure });
  }

  /**
   * Never rejects: every failure of reading the share is a `failed` state with a fixed reason, since
   * a peer can put anything there and an unhandled rejection relaunches the app (DESIGN §7).
   */
  async function evaluate(snapshot: ShareSnapshot): Promise<void> {
    try {
      await evaluateRelease(snapshot);
    } catch (err) {
      const failure: UpdateFailure = {
        code: 'share-unreadable',
        detail:
          err instanceof ShareReadError
            ? err.description
            : ((err as NodeJS.ErrnoException | null)?.code ?? 'unexpected error'),
      };
      logOnce(
        'error',
        `evaluate:${failure.detail}`,
        describeUpdateFailure(failure),
        err instanceof ShareReadError ? { problem: err.problem } : { err },
      );
      send({ type: 'failed', failure });
    }
  }

  async function evaluateRelease(snapshot: ShareSnapshot): Promise<void> {
    const versionEntry = snapshot.get(VERSION_FILE_NAME);
    // Syncthing deletes a file before renaming its replacement in: absence is not a withdrawn release.
    if (!versionEntry || state().kind === 'applying') return;
    let bytes: Buffer;
    try {
      // Never followed through a link, never a FIFO or folder, capped before it is read.
      ({ bytes } = await readShareFileSafely(versionEntry.path, {
        maxBytes: VERSION_FILE_MAX_BYTES,
        root: deps.shareRoot,
      }));
    } catch (err) {
      if (!(err instanceof ShareReadError)) throw err;
      if (err.problem === 'missing') return;
      return problem(`read:${err.problem}:${sig(versionEntry)}`, {
        code: 'version-json-refused',
        detail: err.description,
      });
    }
    // The content, not the stat: a replacement can keep inode, size and mtime (see share-watcher).
    const textKey = createHash('sha256').update(bytes).digest('hex');
    // Failures name a line and column or a field, never the file's text: they reach the status file every peer reads.
    const syntax = versionJsonSyntaxProblem(bytes);
    if (syntax.kind === 'problem')
      return problem(`json:${textKey}`, { code: 'version-json-syntax', detail: syntax.description });
    const parsed = VersionManifest.safeParse(syntax.json);
    if (!parsed.success) {
      return problem(`schema:${textKey}`, {
        code: 'version-json-invalid',
        issues: [describeVersionIssues(parsed.error.issues)],
      });
    }
    const release = releaseForTarget(parsed.data, deps.target);
    if (!release) {
      const notFor = `${parsed.data.version} in the share has no build for ${deps.target}`;
      logOnce('info', `no-build:${textKey}`, `update ignored: ${notFor}`);
      if (!staged) send({ type: 'ignored', note: notFor });
      return;
    }
    if (staged && staged.version === release.version && staged.sha256 === release.sha256) {
      return send({
        type: 'staged',
        version: staged.version,
        stagedPath: staged.staged_path,
        ...(release.notes ? { notes: release.notes } : {}),
      });
    }
    const notFor = ineligibility(release, deps.appVersion, deps.hostname);
    if (notFor) {
      logOnce('info', `ineligible:${release.version}:${notFor}`, `update ignored: ${notFor}`);
      if (!staged) send({ type: 'ignored', note: notFor });
      return;
    }
    const payload = snapshot.get(release.file);
    const key = `${textKey}|${release.file}|${sig(payload)}`;
    if (key === doneKey) return;
    const controller = new AbortController();
    inFlight = { controller, versionSig: sig(versionEntry), payloadName: release.file, payloadSig: sig(payload) };
    try {
      await verifyAndStage(release, payload, controller.signal);
      doneKey = key;
    } catch (err) {
      if (controller.signal.aborted) return;
      doneKey = key;
      const failure: UpdateFailure =
        err instanceof StagingError
          ? { code: 'staging-refused', version: release.version, detail: err.message }
          : { code: 'staging-failed', version: release.version, detail: errorText(err) };
      logOnce(
        'error',
        `stage:${key}`,
        describeUpdateFailure(failure),
        err instanceof StagingError ? { failure: failure.code } : { err, failure: failure.code },
      );
      send({ type: 'failed', failure });
    } finally {
      if (inFlight?.controller === controller) inFlight = null;
    }
  }

  async function verifyAndStage(
    release: VersionFile,
    payload: ShareEntry | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const { version, file, size } = release;
    // Announce a release once; a payload still growing moves straight between waiting states (the step decides).
    send({ type: 'seen', version, ...(release.notes ? { notes: release.notes } : {}) });
    if (payload && payload.type !== 'file') {
      return failed({
        code: 'payload-not-a-file',
        version,
        file,
        what: payload.type === 'symlink' ? 'a symbolic link' : 'not a regular file',
      });
    }
    if (!payload || payload.size < size) {
      logOnce('info', `waiting:${version}`, `update ${version} seen; waiting for ${file} to finish syncing`);
      return send({ type: 'payload-waiting', version, file, have: payload?.size ?? 0, need: size });
    }
    send({ type: 'verifying', version, file });
    const check = await checkPayload(payload.path, release, hashes, signal);
    signal.throwIfAborted();
    switch (check.kind) {
      case 'missing':
        return send({ type: 'payload-waiting', version, file, have: 0, need: size });
      case 'incomplete':
        return send({ type: 'payload-waiting', version, file, have: check.have, need: check.need });
      case 'too-large':
        return failed({ code: 'payload-too-large', version, file, have: check.have, need: check.need });
      case 'not-a-file':
        return failed({ code: 'payload-not-a-file', version, file, what: check.what });
      case 'hash-mismatch':
        return failed({ code: 'payload-hash-mismatch', version, file });
      case 'match': {
        const manifest = await deps.stage({ release, payloadPath: payload.path }, signal);
        signal.throwIfAborted();
        staged = manifest;
        logOnce('info', `staged:${version}`, `update ${version} staged`, { stagedPath: manifest.staged_path });
        return send({
          type: 'staged',
          version,
          stagedPath: manifest.staged_path,
          ...(release.notes ? { notes: release.notes } : {}),
        });
      }
    }
  }

  function failed(
    failure: Extract<UpdateFailure, { code: 'payload-too-large' | 'payload-hash-mismatch' | 'payload-not-a-file' }>,
  ): void {
    const reason = describeUpdateFailure(failure);
    logOnce('warn', `failed:${failure.version}:${reason}`, reason, { failure: failure.code });
    send({ type: 'failed', failure });
  }

  return {
    status,
    subscribe: (listener) => machine.subscribe(() => listener(status())),
    start: () => shareWatcher.start(),
    async checkNow() {
      doneKey = null;
      lastLogged = null;
      await shareWatcher.rescan({ force: true });
      await evaluations.current;
    },
    async apply() {
      if (state().kind !== 'staged' || !staged)
        throw new UpdateNotReadyError(`No update is staged yet (update state: ${state().kind}).`);
      const manifest = staged;
      send({ type: 'applying', version: manifest.version });
      log.info({ version: manifest.version }, 'applying staged update: handing over to the swap helper');
      try {
        await deps.applyStagedUpdate(manifest);
      } catch (err) {
        const failure: UpdateFailure = { code: 'handover-failed', version: manifest.version, detail: errorText(err) };
        log.error({ err, version: manifest.version, failure: failure.code }, describeUpdateFailure(failure));
        send({ type: 'failed', failure });
        throw err;
      }
    },
    async close() {
      inFlight?.controller.abort();
      await shareWatcher.close();
      await evaluations.current;
      closed = true;
      machine.stop();
    },
  };
}
