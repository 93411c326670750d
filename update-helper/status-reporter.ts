import type { z } from 'zod';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeJsonAtomic } from '../base/atomic-file';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { FleetStatus, STATUS_DIR_NAME } from '../contracts/status-file';
import type { UpdateState } from './update-state';
import { boundedText } from '../base/bounded-text';

/** What the laptop reports (the file's fields but its name and time); typed from the schema, since Omit over a loose object's index signature would erase the known fields. */
const StatusFieldsSchema = FleetStatus.omit({ hostname: true, last_seen: true });
export type StatusFields = z.infer<typeof StatusFieldsSchema>;

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

/** Why the last write did not happen; null after a good write. Descriptions name no file content. */
export type StatusWriteProblem = {
  code: 'status-is-symlink' | 'status-not-a-folder' | 'write-failed';
  description: string;
};

export interface StatusReporter {
  report(fields: StatusFields): void;
  lastProblem(): StatusWriteProblem | null;
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
  let problem: StatusWriteProblem | null = null;
  let closed = false;
  const heartbeat = setInterval(() => void write(true), deps.heartbeatMs ?? 300_000);
  heartbeat.unref();

  function write(force = false): Promise<void> {
    writing = writing.then(async () => {
      if (!current || (closed && !force)) return;
      const body = JSON.stringify(current);
      if (!force && body === written) return;
      lastWriteAt = Date.now();
      try {
        const status = FleetStatus.parse({ hostname: deps.hostname, last_seen: now().toISOString(), ...current });
        problem = await statusFolderProblem(deps.shareRoot);
        if (!problem) {
          await writeJson(file, status);
          written = body;
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        problem = {
          code: 'write-failed',
          description: `cannot write the fleet status file (${typeof code === 'string' ? code : 'unexpected error'})`,
        };
      }
      // The share can be absent or read-only for a while; say so once, retry on the next change or heartbeat.
      if (problem && problem.description !== lastError)
        log.warn({ problem: problem.code }, `fleet status not written: ${problem.description}`);
      lastError = problem?.description ?? null;
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
    lastProblem: () => problem,
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

/**
 * `<share>/status` must be a real folder of the share: a peer can replace it by a symlink to any
 * folder of this laptop, and the laptop must never write outside the share. It is created when
 * missing (with the share root, as before: the share may not be synced yet). A swap between this
 * check and the rename remains possible in theory; the file written holds only the status fields.
 */
async function statusFolderProblem(shareRoot: string): Promise<StatusWriteProblem | null> {
  const dir = path.join(shareRoot, STATUS_DIR_NAME);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const st = await fs.lstat(dir);
      if (st.isSymbolicLink())
        return {
          code: 'status-is-symlink',
          description: `${STATUS_DIR_NAME}/ in the share is a symbolic link; the status file is not written through it`,
        };
      if (!st.isDirectory())
        return { code: 'status-not-a-folder', description: `${STATUS_DIR_NAME}/ in the share is not a folder` };
      return null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await fs.mkdir(dir, { recursive: true });
  }
  return null;
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
  const api =
    'api' in bootstrap && typeof bootstrap.api === 'string'
      ? bootstrap.api
      : bootstrap.kind === 'offline-ready'
        ? bootstrap.identity.api
        : null;
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
      last_error: update.kind === 'failed' ? boundedText(update.reason) : null,
      last_error_code: update.kind === 'failed' ? update.failure.code : null,
    },
  };
}
