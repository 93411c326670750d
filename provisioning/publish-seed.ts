import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../base/atomic-file';
import { normaliseHostname } from '../contracts/hostname';
import { SEEDS_DIR_NAME, seedFileName } from './share-root';
import { SeedFields } from '../contracts/seed';

export class ProvisionError extends Error {
  override name = 'ProvisionError';
}

export interface ProvisionRequest {
  share: string;
  hostname: string;
  deviceId: string;
  primaryApi?: string;
  backupApi?: string;
  onsiteApi?: string;
  apiKey?: string;
  /** Replace an existing seed for this hostname. */
  force?: boolean;
}

const SeedToWrite = z.object(SeedFields);

/**
 * Writes `<share>/seeds/seed_<hostname>.json`, validated by the seed schema the app uses, atomically
 * (temp + rename), so a waiting laptop never reads half a seed.
 */
export async function publishSeed(request: ProvisionRequest): Promise<{ path: string; hostname: string }> {
  const hostname = normaliseHostname(request.hostname);
  if (!/[a-z0-9]/.test(hostname)) throw new ProvisionError(`"${request.hostname}" is not a usable hostname.`);
  const parsed = SeedToWrite.safeParse({
    event_device_id: request.deviceId,
    primary_api_base_url: request.primaryApi ?? null,
    backup_api_base_url: request.backupApi ?? null,
    onsite_api_base_url: request.onsiteApi ?? null,
    aether_api_key: request.apiKey ?? null,
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ProvisionError(
      `The seed would be invalid: ${String(issue?.path[0] ?? 'seed')} ${issue?.message ?? 'is invalid'}.`,
    );
  }
  const target = path.join(request.share, SEEDS_DIR_NAME, seedFileName(hostname));
  if (
    !request.force &&
    (await fs.stat(target).then(
      () => true,
      () => false,
    ))
  ) {
    throw new ProvisionError(`${target} already exists; use --force to replace it.`);
  }
  const seed = {
    event_device_id: parsed.data.event_device_id,
    primary_api_base_url: parsed.data.primary_api_base_url ?? null,
    backup_api_base_url: parsed.data.backup_api_base_url ?? null,
    onsite_api_base_url: parsed.data.onsite_api_base_url ?? null,
    aether_api_key: parsed.data.aether_api_key ?? null,
  };
  await writeFileAtomic(target, `${JSON.stringify(seed, null, 2)}\n`, 0o600);
  return { path: target, hostname };
}
