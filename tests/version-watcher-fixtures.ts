import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StagedManifest } from '../contracts/staged-manifest';
import type { BuildToStage } from '../update-helper/staging';

export const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

export async function nativeAppDir(share: string): Promise<string> {
  const dir = path.join(share, 'binaries', 'native_app');
  await mkdir(dir, { recursive: true });
  return dir;
}

export function versionJson(fields: Record<string, unknown>): string {
  return `${JSON.stringify(fields, null, 2)}\n`;
}

export async function dropVersion(dir: string, fields: Record<string, unknown>): Promise<void> {
  await writeFile(path.join(dir, 'version.json'), versionJson(fields));
}

/** A stage function that records calls and returns a manifest without touching the disk. */
export function recordingStage() {
  const calls: Array<{ build: BuildToStage; signal: AbortSignal }> = [];
  const stage = async (build: BuildToStage, signal: AbortSignal): Promise<StagedManifest> => {
    calls.push({ build, signal });
    return {
      format: 1,
      version: build.release.version,
      from_version: '1.0.0',
      staged_path: `/opt/.aether-staged/${build.release.version}/Aether.AppImage`,
      install_path: '/opt/Aether.AppImage',
      source_file: build.release.file,
      sha256: build.release.sha256,
      kind: 'appimage',
      staged_at: new Date().toISOString(),
    };
  };
  return { calls, stage };
}
