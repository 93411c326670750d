import semver from 'semver';
import { z } from 'zod';
import { Sha256 } from './api';
import type { Platform } from '../base/platform';
import { normaliseHostname } from './hostname';

/** A semver string, stored as written (`1.4.0`, `v1.4.0` is refused: ops write plain versions). */
export const SemverString = z.string().refine((v) => semver.valid(v) === v, 'must be a plain semver such as 1.4.0');

/**
 * A name that can only mean a file inside `binaries/native_app/`: no separators, no `..`,
 * no leading dot (dotfiles are temp files of Syncthing and of our own atomic writes), no control
 * characters, and short enough for every file system.
 */
export const PlainFileName = z
  .string()
  .min(1)
  .max(200)
  .refine((n) => !/[/\\]/.test(n), 'must be a plain file name without / or \\')
  .refine((n) => !n.startsWith('.'), 'must not start with a dot')
  .refine((n) => !n.startsWith('~syncthing~'), 'must not be a Syncthing temp name')
  .refine((n) => !/[\u0000-\u001f\u007f]/.test(n), 'must not contain control characters')
  .refine((n) => !n.includes('..'), 'must not contain ..');

/** An optional field that ops may also write as `null` (CONTRACTS.md's per-platform example does). */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === null ? undefined : value), schema.optional());

/** What every form of version.json says about the release as a whole. */
const releaseFields = {
  version: SemverString,
  min_version: optional(SemverString),
  only_hosts: optional(z.array(z.string().min(1).transform(normaliseHostname))),
  notes: optional(z.string().max(2000)),
  /** A ring: only laptops whose stable hostname bucket (0..99) is below this take the release. */
  rollout_percent: optional(z.number().int().min(0).max(100)),
  /** An explicit downgrade from this version: laptops on it (or between) go down to `version`. */
  rollback_of: optional(SemverString),
};

const buildFields = { file: PlainFileName, sha256: Sha256, size: z.number().int().positive() };

/**
 * One release as a laptop acts on it: a version and the one build for this laptop. It is also the
 * single-build form of `binaries/native_app/version.json` (CONTRACTS.md), which every platform takes.
 */
export const VersionFile = z.object({ ...releaseFields, ...buildFields });
export type VersionFile = z.infer<typeof VersionFile>;

/** Platform and architecture of a build (`darwin-universal` serves both Mac architectures). */
export const BuildTarget = z.enum([
  'darwin-arm64',
  'darwin-x64',
  'darwin-universal',
  'linux-x64',
  'linux-arm64',
  'win32-x64',
  'win32-arm64',
]);
export type BuildTarget = z.infer<typeof BuildTarget>;

export const Build = z.object(buildFields);
export type Build = z.infer<typeof Build>;

/** The per-platform form: one build per platform and architecture. */
export const MultiBuildVersionFile = z.object({
  ...releaseFields,
  builds: z
    .partialRecord(BuildTarget, Build)
    .refine((builds) => Object.keys(builds).length > 0, 'must name at least one build'),
});
export type MultiBuildVersionFile = z.infer<typeof MultiBuildVersionFile>;

/** `binaries/native_app/version.json` in either form. */
export const VersionManifest = z.union([VersionFile, MultiBuildVersionFile]);
export type VersionManifest = z.infer<typeof VersionManifest>;

/** The laptop's own build target; an architecture without builds of its own counts as x64. */
export function buildTargetFor(platform: Platform, arch: string): BuildTarget {
  return `${platform}-${arch === 'arm64' ? 'arm64' : 'x64'}`;
}

/**
 * The release for one laptop: the single-build form as it is, or the per-platform form's entry for
 * `target` (a Mac without its own entry takes `darwin-universal`); `null` when there is none.
 */
export function releaseForTarget(manifest: VersionManifest, target: BuildTarget): VersionFile | null {
  if (!('builds' in manifest)) return manifest;
  const { builds, ...release } = manifest;
  const build = builds[target] ?? (target.startsWith('darwin-') ? builds['darwin-universal'] : undefined);
  return build ? { ...release, ...build } : null;
}

export const VERSION_FILE_NAME = 'version.json';
export const NATIVE_APP_DIR = ['binaries', 'native_app'] as const;
