import { errnoCode } from './errors';
import { statfsFreeBytes, type FreeBytes } from './disk-space';
import type { FreeSpaceUnknown } from '../contracts/cache';

/** One reading of the cache volume's free space. */
export interface FreeSpaceReading {
  freeBytes: number | null;
  unknown: FreeSpaceUnknown | null;
  /** Epoch ms. */
  readAt: number;
}

/** A reading younger than this is answered as is: `cache.status` may be called by a page in a loop. */
export const FREE_SPACE_MAX_AGE_MS = 5_000;

export interface FreeSpaceGaugeOptions {
  dir: string;
  freeBytes?: FreeBytes;
  maxAgeMs?: number;
  now?: () => number;
}

/**
 * Free space for status answers (issue 12), bounded: at most one statfs per `maxAgeMs` whatever the
 * call rate, concurrent asks share one read, and readings the download budget made anyway (`note`)
 * count as fresh ones. Never throws: a failed read is a typed "unknown" with its errno code.
 */
export class FreeSpaceGauge {
  private last: FreeSpaceReading | null = null;
  private reading: Promise<FreeSpaceReading> | null = null;
  private readonly freeBytes: FreeBytes;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  /** statfs calls this gauge made itself (tests count them: a flood must not add any). */
  reads = 0;

  constructor(private readonly options: FreeSpaceGaugeOptions) {
    this.freeBytes = options.freeBytes ?? statfsFreeBytes;
    this.maxAgeMs = options.maxAgeMs ?? FREE_SPACE_MAX_AGE_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * The download budget's FreeBytes, keeping what it read so status reuses it (the budget reads the
   * temp folder under the root: the same volume).
   */
  readonly noting: FreeBytes = async (dir) => {
    const free = await this.freeBytes(dir);
    this.last = toReading(free, this.now());
    return free;
  };

  /** The last reading without reading again (the status file's synchronous fields). */
  latest(): FreeSpaceReading | null {
    return this.last;
  }

  read(): Promise<FreeSpaceReading> {
    const last = this.last;
    if (last && this.now() - last.readAt < this.maxAgeMs) return Promise.resolve(last);
    this.reading ??= this.readNow().finally(() => (this.reading = null));
    return this.reading;
  }

  private async readNow(): Promise<FreeSpaceReading> {
    this.reads += 1;
    let reading: FreeSpaceReading;
    try {
      reading = toReading(await this.freeBytes(this.options.dir), this.now());
    } catch (err) {
      const code = errnoCode(err);
      reading = {
        freeBytes: null,
        unknown: {
          reason: 'read-failed',
          message: `free space of the cache folder could not be read (${typeof code === 'string' ? code : 'unexpected error'})`,
        },
        readAt: this.now(),
      };
    }
    this.last = reading;
    return reading;
  }
}

function toReading(free: number | null, readAt: number): FreeSpaceReading {
  return free === null
    ? {
        freeBytes: null,
        unknown: {
          reason: 'unsupported',
          message: 'this system does not report free space for the cache folder (no statfs, or the folder is gone)',
        },
        readAt,
      }
    : { freeBytes: free, unknown: null, readAt };
}
