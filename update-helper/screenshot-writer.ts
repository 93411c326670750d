import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../base/atomic-file';
import { STATUS_DIR_NAME } from '../contracts/status-file';

/**
 * A low-resolution screenshot of the kiosk next to the status file (`status/<hostname>.png`), at most
 * every `everyMs` (the device record's `screenshot_minutes`; none when it is null, the default). The
 * capture itself is the edge's (`webContents.capturePage`, resized); this module decides when, bounds
 * the size and never writes through a symlinked or missing status folder.
 */
export interface ScreenshotWriterDeps {
  shareRoot: string;
  hostname: string;
  /** A PNG of the kiosk window, already scaled down; null when there is no window to capture. */
  capture: () => Promise<Buffer | null>;
  logger: Logger;
  now?: () => number;
  maxBytes?: number;
}

export interface ScreenshotWriter {
  /** Captures and writes when `everyMs` has passed since the last one; returns the file name in the share, if any. */
  maybeCapture(everyMs: number | null): Promise<string | null>;
  /** How many screenshots were written (tests count work). */
  written(): number;
}

export const MAX_SCREENSHOT_BYTES = 2 * 1024 * 1024;

export function createScreenshotWriter(deps: ScreenshotWriterDeps): ScreenshotWriter {
  const now = deps.now ?? Date.now;
  const name = `${deps.hostname}.png`;
  const statusDir = path.join(deps.shareRoot, STATUS_DIR_NAME);
  const log = deps.logger.child({ module: 'screenshots' });
  let lastAt = Number.NEGATIVE_INFINITY;
  let latest: string | null = null;
  let count = 0;
  let busy: Promise<string | null> | null = null;

  async function captureNow(): Promise<string | null> {
    const dir = await fs.lstat(statusDir).catch(() => null);
    if (!dir?.isDirectory()) return latest;
    lastAt = now();
    let png: Buffer | null;
    try {
      png = await deps.capture();
    } catch (err) {
      log.warn({ err }, 'kiosk screenshot could not be captured');
      return latest;
    }
    if (!png) return latest;
    if (png.length > (deps.maxBytes ?? MAX_SCREENSHOT_BYTES)) {
      log.warn({ bytes: png.length }, 'kiosk screenshot too large; not written');
      return latest;
    }
    try {
      await writeFileAtomic(path.join(statusDir, name), png);
      count += 1;
      latest = name;
    } catch (err) {
      log.warn({ code: (err as NodeJS.ErrnoException).code }, 'kiosk screenshot could not be written to the share');
    }
    return latest;
  }

  return {
    async maybeCapture(everyMs) {
      if (everyMs === null || !(everyMs > 0)) return null;
      if (busy) return busy;
      if (now() - lastAt < everyMs) return latest;
      busy = captureNow().finally(() => (busy = null));
      return busy;
    },
    written: () => count,
  };
}
