import { z } from 'zod';
import { Sha256 } from './api';

/**
 * The cache's contract with the page and the CLI, in one place: the router validates with these,
 * the service and the tests take their types from them.
 */

/** Largest list the page may hand over at once; a room's file list is far smaller. */
export const MAX_FILES_PER_CALL = 10_000;
/** 1 TiB: no single event file comes near; anything above is hostile or a typo. */
export const MAX_FILE_SIZE = 2 ** 40;

/**
 * Where a listed file stands in the sync queue (issue 12): the files of the session running now, then
 * those of the next session, then the rest of the event. A file asked to open now goes before all
 * of them (cache `fetchForOpen`); that is never a list's to say.
 */
export const SyncPriority = z.enum(['current-session', 'next-session', 'event']);
export type SyncPriority = z.infer<typeof SyncPriority>;

export const CacheFile = z.object({
  sha256: Sha256,
  size: z.number().int().nonnegative().max(MAX_FILE_SIZE).optional(),
  filename: z.string().min(1).max(255).optional(),
  /** Absent: `event`. The page-facing cache never takes it from the page (cache/page-cache.ts). */
  priority: SyncPriority.optional(),
});
export type CacheFile = z.infer<typeof CacheFile>;

export const EnsureInput = z.object({
  files: z.array(CacheFile).max(MAX_FILES_PER_CALL),
  /** Give files that failed permanently (404, hash mismatch) another chance. */
  retryFailed: z.boolean().optional(),
});
export type EnsureInput = z.infer<typeof EnsureInput>;

export const StatusInput = z.object({ hashes: z.array(Sha256).max(MAX_FILES_PER_CALL) });
export type StatusInput = z.infer<typeof StatusInput>;

export const VerifyInput = z.object({ hashes: z.array(Sha256).max(MAX_FILES_PER_CALL).optional() }).optional();
export type VerifyInput = z.infer<typeof VerifyInput>;

export const GcInput = z.object({ keep: z.array(Sha256).max(MAX_FILES_PER_CALL) });
export type GcInput = z.infer<typeof GcInput>;

export const FailureReason = z.enum([
  'not-found',
  'hash-mismatch',
  'size-mismatch',
  'unauthorized',
  'http-error',
  'network',
  'stalled',
  'no-space',
  'io-error',
  /** The page asked for a hash the event's file list (from the API) does not have: never fetched. */
  'not-listed',
]);
export type FailureReason = z.infer<typeof FailureReason>;

export const FileStatus = z.discriminatedUnion('state', [
  z.object({ sha256: Sha256, state: z.literal('present'), bytes: z.number(), size: z.number() }),
  z.object({ sha256: Sha256, state: z.literal('missing'), bytes: z.literal(0), size: z.number().nullable() }),
  z.object({ sha256: Sha256, state: z.literal('queued'), bytes: z.literal(0), size: z.number().nullable() }),
  z.object({
    sha256: Sha256,
    state: z.literal('downloading'),
    bytes: z.number(),
    size: z.number().nullable(),
    /** Set while a download is between attempts: why the last one failed. */
    lastError: z.object({ reason: FailureReason, message: z.string() }).nullable(),
  }),
  z.object({
    sha256: Sha256,
    state: z.literal('failed'),
    bytes: z.literal(0),
    size: z.number().nullable(),
    reason: FailureReason,
    message: z.string(),
    permanent: z.boolean(),
  }),
]);
export type FileStatus = z.infer<typeof FileStatus>;

export const StatusTotals = z.object({
  files: z.number(),
  present: z.number(),
  missing: z.number(),
  queued: z.number(),
  downloading: z.number(),
  failed: z.number(),
  bytesPresent: z.number(),
  bytesDownloading: z.number(),
});
export type StatusTotals = z.infer<typeof StatusTotals>;

/** The files asked about and their totals: what the cache itself answers (Cache.status). */
export const FilesReport = z.object({ files: z.array(FileStatus), totals: StatusTotals });
export type FilesReport = z.infer<typeof FilesReport>;

/** At most this many sessions in one answer; an event has dozens. */
export const MAX_SESSIONS_REPORTED = 500;

/**
 * One session of the event's list (issue 12): "show-ready" when every one of its files is present and
 * verified. `at_risk_since`: since when a session starting within 30 minutes (or running) has not
 * been ready, from the one tracker the core keeps, so the bridge, the status file and the splash agree.
 */
export const SessionReadiness = z.object({
  id: z.string().max(200),
  title: z.string().max(300).nullable(),
  starts_at: z.string().nullable(),
  ends_at: z.string().nullable(),
  files: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  ready: z.boolean(),
  at_risk_since: z.string().nullable(),
});
export type SessionReadiness = z.infer<typeof SessionReadiness>;

/** Why free space is not known: no statfs on this system (or the folder is gone), or the read failed. */
export const FreeSpaceUnknown = z.object({
  reason: z.enum(['unsupported', 'read-failed']),
  message: z.string().max(300),
});
export type FreeSpaceUnknown = z.infer<typeof FreeSpaceUnknown>;

/**
 * The cache's volume: free bytes for the app (null when it cannot be read, `freeUnknown` says why),
 * the headroom no download may use, and the bytes the cache holds. `readAt` (epoch ms) is when free
 * space was read: the reading is reused for a few seconds, so a page flooding `cache.status` costs
 * no disk work.
 */
export const DiskReport = z.object({
  freeBytes: z.number().nonnegative().nullable(),
  freeUnknown: FreeSpaceUnknown.nullable(),
  minFreeBytes: z.number().nonnegative(),
  cacheBytes: z.number().nonnegative(),
  readAt: z.number().nullable(),
});
export type DiskReport = z.infer<typeof DiskReport>;

/** `cache.status` and `cache.ensure` over the bridge: the files, plus readiness per session and free space. */
export const StatusReport = FilesReport.extend({
  sessions: z.array(SessionReadiness).max(MAX_SESSIONS_REPORTED),
  disk: DiskReport,
});
export type StatusReport = z.infer<typeof StatusReport>;

export type ProgressEvent =
  { type: 'file'; status: FileStatus } | { type: 'total'; totals: StatusTotals; sync: SyncSummary };

/** What the sync loop is doing, for the page and `device.status` (DESIGN §3: state machines). */
export type SyncSummary =
  | { state: 'stopped' }
  | { state: 'idle'; lastTickAt: number; wanted: number }
  | { state: 'syncing'; lastTickAt: number; wanted: number; pending: number }
  | { state: 'failed'; reason: string };

export interface VerifyReport {
  checked: number;
  ok: number;
  quarantined: { sha256: string; actual: string | null; quarantinePath: string }[];
}

export interface GcReport {
  removed: string[];
  freedBytes: number;
  kept: number;
}
