import { z } from 'zod';
import { FleetStatus } from '../../contracts/status-file';
import { VersionManifest } from '../../contracts/version';

/**
 * The `--json` output of every command, one schema each: the stable shape scripts may rely on
 * (documented in apps/cli/README.md; the tests parse every command's output with these). Fields are
 * snake_case like the API's. A field is only ever added, never renamed or removed without a note in
 * the README. Each command prints exactly one JSON object on stdout; when it fails, that object is
 * `CliErrorOutput` (the same message also goes to stderr as one line).
 */

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

export const CliErrorOutput = z.object({
  error: z.object({
    /** `usage`: the command line was wrong (exit 2); `failure`: the command could not do its job (exit 1). */
    kind: z.enum(['usage', 'failure']),
    message: z.string(),
  }),
});
export type CliErrorOutput = z.infer<typeof CliErrorOutput>;

export const VersionOutput = z.object({ name: z.literal('aether-native'), version: z.string() });
export type VersionOutput = z.infer<typeof VersionOutput>;

// doctor --------------------------------------------------------------------------------------------

const BootstrapKind = z.enum([
  'seeking-seed',
  'authenticating',
  'identifying',
  'hydrating',
  'ready',
  'offline-ready',
  'failed',
]);
const ShareSourceOutput = z.enum(['option', 'environment', 'home', 'sync-folder']);

const FolderCheckOutput = z.object({ path: z.string(), writable: z.boolean(), error: z.string().optional() });

export const DoctorOutput = z.object({
  /** The verdict scripts want: true exactly when the exit code is 0 (state ready or offline-ready). */
  ready: z.boolean(),
  state: BootstrapKind,
  /** The typed failure code when the state is failed or offline-ready (scripts switch on it, not on `reason`). */
  failure: z.string().optional(),
  /** Why the state is failed or offline-ready. */
  reason: z.string().optional(),
  seed: z.object({
    path: z.string().nullable(),
    /** argument, environment, development-home or os-config. */
    source: z.string().optional(),
    reason: z.string().optional(),
    event_device_id: z.string().optional(),
    warnings: z.array(z.string()).optional(),
    error: z.string().optional(),
  }),
  api: z.array(
    z.object({
      role: z.enum(['primary', 'backup', 'onsite']),
      url: z.string(),
      ok: z.boolean(),
      ms: z.number().nullable(),
      error: z.string().optional(),
    }),
  ),
  device: z
    .object({
      event_device_id: z.string(),
      name: z.string().optional(),
      event_id: z.string(),
      event_location_id: z.string(),
      app_base_url: z.string(),
      mode: z.string(),
    })
    .nullable(),
  target_url: z.string().nullable(),
  allowed_origins: z.array(z.string()),
  api_answered: z.string().nullable(),
  folders: z.object({ cache: FolderCheckOutput, temp: FolderCheckOutput }),
  /** The share this laptop would use (`path` null when none of the candidates exists). */
  share: z.object({
    path: z.string().nullable(),
    source: ShareSourceOutput.nullable(),
    /** Every place looked at, in order. */
    candidates: z.array(z.object({ path: z.string(), source: ShareSourceOutput })),
    error: z.string().optional(),
  }),
  /** This laptop's hostname, normalised as the share names its files. */
  hostname: z.string(),
  /** The seed a laptop without one waits for: `<share>/seeds/seed_<hostname>.json`. */
  share_seed: z.object({
    file: z.string(),
    /** Full path in the share found, or in the first candidate when none exists yet (where the app waits). */
    path: z.string(),
    exists: z.boolean(),
  }),
});
export type DoctorOutput = z.infer<typeof DoctorOutput>;

// cache -----------------------------------------------------------------------------------------------

export const CacheStatusOutput = z.object({
  root: z.string(),
  /** False when the cache folder is not there (nothing is created to answer). */
  exists: z.boolean(),
  entries: z.number().int().nonnegative(),
  bytes: z.number().nonnegative(),
  /** The device's event files against the cache; null without a seed or when the API could not be asked. */
  event: z
    .object({
      event_id: z.string(),
      present: z.number().int().nonnegative(),
      missing: z.number().int().nonnegative(),
      files: z.array(
        z.object({ filename: z.string(), sha256: Sha256, size: z.number(), state: z.enum(['present', 'missing']) }),
      ),
    })
    .nullable(),
  file_list_problem: z.string().nullable(),
  /** Every file of the device's list is present (what `--check` exits on). False when the list is unknown. */
  ready: z.boolean(),
});
export type CacheStatusOutput = z.infer<typeof CacheStatusOutput>;

export const CacheVerifyOutput = z.object({
  root: z.string(),
  exists: z.boolean(),
  checked: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  quarantined: z.array(
    z.object({ sha256: Sha256, actual: z.string().nullable(), quarantine_path: z.string().nullable() }),
  ),
});
export type CacheVerifyOutput = z.infer<typeof CacheVerifyOutput>;

export const CacheGcOutput = z.object({
  root: z.string(),
  exists: z.boolean(),
  /** With `--dry-run`: what would be removed; nothing was changed. */
  dry_run: z.boolean(),
  /** Cache entries removed (or that would be), each with its size when known. */
  removed: z.array(z.object({ sha256: Sha256, bytes: z.number().nullable() })),
  removed_bytes: z.number().nonnegative(),
  kept: z.number().int().nonnegative(),
  /** Files of the quarantine folder (bad downloads kept for inspection), cleared by gc; not entries. */
  quarantine: z.object({ files: z.number().int().nonnegative(), bytes: z.number().nonnegative() }),
});
export type CacheGcOutput = z.infer<typeof CacheGcOutput>;

// prefetch --------------------------------------------------------------------------------------------

export const PrefetchOutput = z.object({
  event_id: z.string(),
  root: z.string(),
  files: z.array(
    z.object({
      sha256: Sha256,
      filename: z.string(),
      size: z.number(),
      result: z.enum(['cached', 'fetched', 'failed']),
      error: z.string().optional(),
    }),
  ),
  already_cached: z.number().int().nonnegative(),
  fetched: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
  /** Bytes this run had to fetch (files not cached when it started). */
  bytes_to_fetch: z.number().nonnegative(),
  /** True exactly when the exit code is 0: every file present and verified. */
  complete: z.boolean(),
});
export type PrefetchOutput = z.infer<typeof PrefetchOutput>;

// provision, release, fleet ---------------------------------------------------------------------------

export const ProvisionOutput = z.object({
  path: z.string(),
  hostname: z.string(),
  event_device_id: z.string(),
  share: z.string(),
  /** The seed's primary API; null means the laptop uses the build's default API. */
  api_url: z.string().nullable(),
  has_api_key: z.boolean(),
  /** Written anyway, but probably not what was meant (no API URL, no key). Also printed on stderr. */
  warnings: z.array(z.string()),
});
export type ProvisionOutput = z.infer<typeof ProvisionOutput>;

export const ReleaseOutput = z.object({
  share: z.string(),
  /** The version.json now in the share. */
  release: VersionManifest,
  build_path: z.string(),
  previous: z.string().nullable(),
});
export type ReleaseOutput = z.infer<typeof ReleaseOutput>;

export const ReleasePruneOutput = z.object({
  share: z.string(),
  dry_run: z.boolean(),
  /** The build version.json names: never removed. */
  current: z.string().nullable(),
  kept: z.array(z.string()),
  removed: z.array(z.object({ file: z.string(), bytes: z.number().nonnegative() })),
});
export type ReleasePruneOutput = z.infer<typeof ReleasePruneOutput>;

export const FleetStatusOutput = z.object({
  share: z.string(),
  laptops: z.array(FleetStatus.extend({ stale: z.boolean(), age_ms: z.number() })),
  /** Status files that could not be used, each `<name>: <why>` (sanitised). */
  problems: z.array(z.string()),
  notes: z.array(z.string()),
});
export type FleetStatusOutput = z.infer<typeof FleetStatusOutput>;

export const SimulateOutput = z.object({
  api_url: z.string(),
  launcher_url: z.string(),
  event_device_id: z.string(),
  files: z.number().int().nonnegative(),
  /** A seed.json for the demo device (it holds the simulator's demo key, not a real one). */
  seed: z.record(z.string(), z.unknown()),
});
export type SimulateOutput = z.infer<typeof SimulateOutput>;

/**
 * JSON.stringify escapes C0 controls but leaves DEL, C1 controls (U+009B is a one-byte CSI on some
 * terminals) and bidi overrides raw; `\uXXXX` for them keeps the same JSON value and a safe terminal.
 */
const RAW_IN_JSON = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Prints one `--json` object, checked against its schema first so the documented shape cannot drift. */
export function writeJson<S extends z.ZodType>(out: NodeJS.WritableStream, schema: S, value: z.input<S>): void {
  const text = JSON.stringify(schema.parse(value), null, 2).replace(
    RAW_IN_JSON,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  out.write(`${text}\n`);
}
