import { z } from 'zod';

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
  }),
});
export type FleetStatus = z.infer<typeof FleetStatus>;

export const STATUS_DIR_NAME = 'status';
