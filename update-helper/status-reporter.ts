import path from 'node:path';
import type { Logger } from 'pino';
import { writeJsonAtomic } from '../base/atomic-file';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { FleetStatus, STATUS_DIR_NAME } from '../contracts/status-file';
import type { UpdateState } from './update-state';

export type StatusFields = Omit<FleetStatus, 'hostname' | 'last_seen'>;

export interface StatusReporterDeps {
  shareRoot: string;
  /** Normalised hostname: the file is `<share>/status/<hostname>.json`. */
  hostname: string;
  logger: Logger;
  now?: () => Date;
  /** Changes are coalesced to at most one write per interval: every write is a Syncthing transfer. */
  minIntervalMs?: number;
  /** Rewrites an unchanged status this often, so `last_seen` tells a live laptop from a dead one. */
  heartbeatMs?: number;
  writeJson?: (file: string, value: unknown) => Promise<void>;
}

export interface StatusReporter {
  report(fields: StatusFields): void;
  /** Writes a pending change now (before quitting). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Writes this laptop's status file atomically on change, at most once per `minIntervalMs`. */
export function createStatusReporter(deps: StatusReporterDeps): StatusReporter {
  const file = path.join(deps.shareRoot, STATUS_DIR_NAME, `${deps.hostname}.json`);
  const now = deps.now ?? (() => new Date());
  const minIntervalMs = deps.minIntervalMs ?? 60_000;
  const writeJson = deps.writeJson ?? writeJsonAtomic;
  const log = deps.logger.child({ module: 'status-reporter', file });

  let current: StatusFields | null = null;
  let written: string | null = null;
  let lastWriteAt = -Infinity;
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();
  let lastError: string | null = null;
  let closed = false;
  const heartbeat = setInterval(() => void write(true), deps.heartbeatMs ?? 300_000);
  heartbeat.unref();

  function write(force = false): Promise<void> {
    writing = writing.then(async () => {
      if (!current || (closed && !force)) return;
      const body = JSON.stringify(current);
      if (!force && body === written) return;
      const status = FleetStatus.parse({ hostname: deps.hostname, last_seen: now().toISOString(), ...current });
      lastWriteAt = Date.now();
      try {
        await writeJson(file, status);
        written = body;
        lastError = null;
      } catch (err) {
        // The share can be absent or read-only for a while; say so once, retry on the next change or heartbeat.
        const message = (err as Error).message;
        if (message !== lastError) log.warn({ err }, 'cannot write the fleet status file');
        lastError = message;
      }
    });
    return writing;
  }

  function schedule(): void {
    if (timer || closed) return;
    const wait = Math.max(0, lastWriteAt + minIntervalMs - Date.now());
    timer = setTimeout(() => {
      timer = null;
      void write();
    }, wait);
    timer.unref();
  }

  return {
    report(fields) {
      current = fields;
      if (JSON.stringify(fields) !== written) schedule();
    },
    async flush() {
      if (timer) clearTimeout(timer);
      timer = null;
      await write();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      clearInterval(heartbeat);
      await writing;
    },
  };
}

export interface StatusInputs {
  eventDeviceId: string | null;
  appVersion: string;
  bootstrap: BootstrapState;
  update: UpdateState;
  cache: StatusFields['cache'];
  staged: string | null;
}

/** The status file's fields from the states the app already keeps. */
export function statusFields(inputs: StatusInputs): StatusFields {
  const { bootstrap, update } = inputs;
  const api = 'api' in bootstrap && typeof bootstrap.api === 'string' ? bootstrap.api : bootstrap.kind === 'offline-ready' ? bootstrap.identity.api : null;
  return {
    event_device_id: inputs.eventDeviceId,
    app_version: inputs.appVersion,
    state: bootstrap.kind,
    failure: 'failure' in bootstrap && bootstrap.failure ? bootstrap.failure.code : null,
    api,
    cache: inputs.cache,
    update: {
      available: 'version' in update && update.kind !== 'failed' ? (update.version ?? null) : null,
      staged: update.kind === 'staged' || update.kind === 'applying' ? update.version : inputs.staged,
      last_error: update.kind === 'failed' ? update.reason : null,
      last_error_code: update.kind === 'failed' ? update.failure.code : null,
    },
  };
}
