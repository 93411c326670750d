import { z } from 'zod';
import { Sha256 } from './api';

/**
 * Proof of presentation (CONTRACTS "Status file, added fields"): one line per file opened, in
 * `<share>/status/<hostname>.presentations.jsonl`, appended from the laptop's local journal. `seq`
 * (an addition to the contract's fields) numbers the laptop's lines, so a delivery interrupted at any
 * point is resumed without a line delivered twice.
 */
export const PresentationRecord = z.object({
  seq: z.number().int().positive(),
  at: z.iso.datetime({ offset: true }),
  hostname: z.string().min(1).max(63),
  event_device_id: z.string().max(64).nullable(),
  event_file_id: z.string().max(200).nullable(),
  sha256: Sha256,
  filename: z.string().min(1).max(255),
});
export type PresentationRecord = z.infer<typeof PresentationRecord>;

export const presentationLogName = (hostname: string) => `${hostname}.presentations.jsonl`;
