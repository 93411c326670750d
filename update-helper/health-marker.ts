import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../base/atomic-file';

/**
 * The app's "I started properly" signal. update_helper.sh reads it as `key=value` lines (no JSON
 * parser in POSIX sh) and compares `version=` with the version it swapped in.
 */
export interface HealthMarker {
  version: string;
  pid: number;
  startedAt: string;
}

export function formatHealthMarker(marker: HealthMarker): string {
  if (/[\r\n]/.test(marker.version))
    throw new Error(`version must be a single line, got ${JSON.stringify(marker.version)}`);
  return `version=${marker.version}\npid=${marker.pid}\nstarted_at=${marker.startedAt}\n`;
}

export function parseHealthMarker(text: string): HealthMarker | null {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !fields.has(line.slice(0, eq))) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  const version = fields.get('version');
  const pid = Number(fields.get('pid'));
  if (!version || !Number.isInteger(pid)) return null;
  return { version, pid, startedAt: fields.get('started_at') ?? '' };
}

export interface WriteHealthMarkerOptions {
  version: string;
  pid?: number;
  now?: () => Date;
}

/** Called once the app has started properly (kiosk window loaded); written atomically so the helper never reads half a file. */
export async function writeHealthMarker(
  markerPath: string,
  { version, pid = process.pid, now = () => new Date() }: WriteHealthMarkerOptions,
): Promise<HealthMarker> {
  const marker = { version, pid, startedAt: now().toISOString() };
  await writeFileAtomic(markerPath, formatHealthMarker(marker));
  return marker;
}

export async function readHealthMarker(markerPath: string): Promise<HealthMarker | null> {
  try {
    return parseHealthMarker(await fs.readFile(markerPath, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
