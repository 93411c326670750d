import semver from 'semver';
import { z } from 'zod';
import { Sha256 } from './api';
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

/** `binaries/native_app/version.json` (CONTRACTS.md). */
export const VersionFile = z.object({
  version: SemverString,
  file: PlainFileName,
  sha256: Sha256,
  size: z.number().int().positive(),
  min_version: SemverString.optional(),
  only_hosts: z.array(z.string().min(1).transform(normaliseHostname)).optional(),
  notes: z.string().max(2000).optional(),
});
export type VersionFile = z.infer<typeof VersionFile>;

export const VERSION_FILE_NAME = 'version.json';
export const NATIVE_APP_DIR = ['binaries', 'native_app'] as const;
