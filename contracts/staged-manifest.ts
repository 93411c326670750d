import path from 'node:path';
import { z } from 'zod';
import { SHA256_PATTERN } from './api';

/**
 * The hand-over between staging (version watcher) and the swap helper: a small JSON file written
 * last, atomically, once a build is unpacked and verified next to the installed app. The helper
 * trusts nothing it cannot find through this file.
 *
 * Location: `<dirname(installPath)>/.aether-staged/staged.json`; the staged build itself lives in
 * `<dirname(installPath)>/.aether-staged/<version>/<basename of the staged app>` — the same volume
 * as the installed app, so the swap is a rename.
 */
export const StagedManifest = z.object({
  /** Format version of this file, bumped on incompatible change. */
  format: z.literal(1),
  /** Semver of the staged build. */
  version: z.string().min(1),
  /** The app version that staged it (the one the helper rolls back to). */
  from_version: z.string().min(1),
  /** Absolute path of the staged app: a `.app` folder (macOS), an AppImage file or an unpacked folder (Linux). */
  staged_path: z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path'),
  /** Absolute path the staged app replaces. */
  install_path: z.string().refine((p) => path.isAbsolute(p), 'must be an absolute path'),
  /** `file` of the version.json that produced it, and that archive's SHA-256. */
  source_file: z.string().min(1),
  sha256: z.string().regex(SHA256_PATTERN, 'must be 64 lower-case hex characters'),
  kind: z.enum(['macos-app', 'appimage', 'directory']),
  staged_at: z.iso.datetime({ offset: true }),
});
export type StagedManifest = z.infer<typeof StagedManifest>;

export const STAGED_DIR_NAME = '.aether-staged';
export const STAGED_MANIFEST_NAME = 'staged.json';

export function stagingRoot(installPath: string): string {
  return path.join(path.dirname(installPath), STAGED_DIR_NAME);
}

export function stagedManifestPath(installPath: string): string {
  return path.join(stagingRoot(installPath), STAGED_MANIFEST_NAME);
}
