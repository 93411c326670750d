import { z } from 'zod';

export const RoomState = z.enum(['idle', 'syncing', 'ready', 'presenting', 'error']);
export type RoomState = z.infer<typeof RoomState>;

/** What the room is doing, for the ops dashboard: the state and, when not obvious, why. */
export const RoomTelemetry = z.object({ state: RoomState, reason: z.string().max(300).nullable() });

/** The file the app opened last and whether its presentation app still runs. */
export const OnScreen = z.object({
  filename: z.string().max(255),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  since: z.iso.datetime({ offset: true }),
  app_running: z.boolean(),
});

/**
 * Per session: is every file present and verified ("show-ready"), how many are missing, and since when
 * a session starting within 30 minutes has not been ready (the same tracker as `cache.status`).
 * `files` and `at_risk_since` are optional: older laptops do not write them.
 */
export const SessionReadiness = z.object({
  id: z.string().max(200),
  title: z.string().max(300).nullable(),
  starts_at: z.iso.datetime({ offset: true }).nullable(),
  ready: z.boolean(),
  missing: z.number().int().nonnegative(),
  files: z.number().int().nonnegative().optional(),
  at_risk_since: z.iso.datetime({ offset: true }).nullable().optional(),
});

/**
 * The cache's volume: free bytes (null when this system cannot say, `free_unknown` says why), the
 * headroom downloads never use, and the bytes the cache holds.
 */
export const DiskSpace = z.object({
  free_bytes: z.number().nonnegative().nullable(),
  free_unknown: z.enum(['unsupported', 'read-failed']).nullable(),
  min_free_bytes: z.number().nonnegative(),
  cache_bytes: z.number().nonnegative(),
});

/**
 * `status/<hostname>.json`, written by each laptop into the share (CONTRACTS.md) and read by
 * `aether-native fleet status`. Extra fields are kept so an older CLI can read a newer laptop's file.
 */
export const FleetStatus = z.looseObject({
  hostname: z.string().min(1),
  event_device_id: z.string().nullable(),
  app_version: z.string().min(1),
  last_seen: z.iso.datetime({ offset: true }),
  /** The bootstrap state kind (`ready`, `offline-ready`, `seeking-seed`, ...). */
  state: z.string().min(1),
  /**
   * Why bootstrap is `failed` or `offline-ready` (or what is wrong with the seed zero-touch waits on):
   * its typed failure code (`api-unauthorized`, `seed-invalid`, ...), null otherwise. Optional: older
   * laptops do not write it.
   */
  failure: z.string().min(1).nullable().optional(),
  /** The API base URL that answered last, `null` before any did. */
  api: z.string().nullable(),
  cache: z.object({
    files: z.number().int().nonnegative(),
    bytes: z.number().nonnegative(),
    missing: z.number().int().nonnegative(),
  }),
  update: z.object({
    /** Version seen in the share and eligible for this laptop, if any. */
    available: z.string().nullable(),
    /** Version staged and ready to apply, if any. */
    staged: z.string().nullable(),
    last_error: z.string().nullable(),
    /** The update failure's typed code (`payload-hash-mismatch`, ...), with `last_error` its sentence. Optional: older laptops do not write it. */
    last_error_code: z.string().min(1).nullable().optional(),
    /** Why a staged update is not applied yet (a presentation running, a session window). */
    waiting_for: z.string().max(300).nullable().optional(),
  }),
  /** Room telemetry (CONTRACTS "Status file, added fields"); optional: older laptops do not write it. */
  room: RoomTelemetry.optional(),
  on_screen: OnScreen.nullable().optional(),
  sessions: z.array(SessionReadiness).max(500).optional(),
  /** Free space of the cache's volume (issue 12); optional: older laptops do not write it. */
  disk: DiskSpace.optional(),
  /** A low-resolution screenshot next to the status file (`<hostname>.png`), when the device record asks for them. */
  screenshot: z
    .string()
    .regex(/^[a-z0-9-]+\.png$/)
    .nullable()
    .optional(),
});
export type FleetStatus = z.infer<typeof FleetStatus>;

export const STATUS_DIR_NAME = 'status';
