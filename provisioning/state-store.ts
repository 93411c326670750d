import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DeviceRecord, SiteDomain } from '../contracts/api';
import { writeJsonAtomic } from '../base/atomic-file';

/** The last good bootstrap, so a laptop without network still starts on what it knew (DESIGN §4). */
export const LastGoodRecord = z.object({
  version: z.literal(1),
  device: DeviceRecord,
  siteDomain: SiteDomain.nullable(),
  targetUrl: z.url(),
  api: z.url(),
  seedPath: z.string().min(1),
  savedAt: z.iso.datetime({ offset: true }),
});
export type LastGoodRecord = z.infer<typeof LastGoodRecord>;

export const LAST_GOOD_FILE = 'last-good.json';

export interface StateStore {
  readonly file: string;
  /** The record, or null when there is none or it cannot be used (logged as a warning, never fatal). */
  load(): Promise<LastGoodRecord | null>;
  save(record: Omit<LastGoodRecord, 'version'>): Promise<void>;
}

export function createStateStore({ stateDir, logger }: { stateDir: string; logger: Logger }): StateStore {
  const file = path.join(stateDir, LAST_GOOD_FILE);
  return {
    file,
    async load() {
      let text: string;
      try {
        text = await fs.readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        logger.warn(
          { file, code: (err as NodeJS.ErrnoException).code },
          `last good record at ${file} cannot be read; starting without it`,
        );
        return null;
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        logger.warn({ file }, `last good record at ${file} is not valid JSON; ignoring it`);
        return null;
      }
      const parsed = LastGoodRecord.safeParse(json);
      if (!parsed.success) {
        const first = parsed.error.issues[0];
        logger.warn(
          { file },
          `last good record at ${file} does not match its schema (${first ? `${first.path.join('.')}: ${first.message}` : 'unknown problem'}); ignoring it`,
        );
        return null;
      }
      return parsed.data;
    },
    save: (record) => writeJsonAtomic(file, { version: 1, ...record }),
  };
}
