import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ApiClient } from './api-client';
import type { Seed } from '../contracts/seed';

/** Checks doctor reports besides the bootstrap itself: each base URL's health, and the folders the app writes. */
export interface ApiProbe {
  role: 'primary' | 'backup' | 'onsite';
  url: string;
  ok: boolean;
  ms: number | null;
  error?: string;
}

export async function probeBaseUrls(seed: Seed, client: Pick<ApiClient, 'health'>): Promise<ApiProbe[]> {
  const roles = [
    ['primary', seed.primary_api_base_url],
    ['backup', seed.backup_api_base_url],
    ['onsite', seed.onsite_api_base_url],
  ] as const;
  const configured = roles.filter((r): r is readonly [ApiProbe['role'], string] => typeof r[1] === 'string');
  return Promise.all(
    configured.map(async ([role, url]): Promise<ApiProbe> => {
      try {
        const { ms } = await client.health(url);
        return { role, url, ok: true, ms };
      } catch (err) {
        return { role, url, ok: false, ms: null, error: err instanceof Error ? err.message : String(err) };
      }
    }),
  );
}

export interface FolderCheck {
  path: string;
  writable: boolean;
  error?: string;
}

/** Creates the folder if needed and writes, then removes, a probe file in it. */
export async function checkWritableFolder(dir: string): Promise<FolderCheck> {
  const probe = path.join(dir, `.aether-doctor-${randomBytes(4).toString('hex')}`);
  try {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(probe, 'probe');
    await fs.rm(probe, { force: true });
    return { path: dir, writable: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'read-only file system'
          : code === 'ENOSPC'
            ? 'disk full'
            : code === 'ENOTDIR' || code === 'EEXIST'
              ? 'a file is in the way'
              : (code ?? String(err));
    return { path: dir, writable: false, error: why };
  }
}
