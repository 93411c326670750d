/** Sizes as people read them: "300 B", "64 KB", "1.5 MB" (decimal units, as Finder and Explorer show). */
export function readableSize(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '';
  if (bytes < 1000) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 'B';
  for (const next of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = next;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/** "just now", "updated 12 s ago", "3 min ago", for the "updated N s ago" line. */
export function ago(thenMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - thenMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ago`;
}

/** The name Onsite mode saves a file under: `Keynote.pptx` → `Keynote.pptxwin`; no extension → `README.win`. */
export function onsiteName(filename: string, suffix: string): string {
  const dot = filename.lastIndexOf('.');
  return dot > 0 && dot < filename.length - 1 ? `${filename}${suffix}` : `${filename}.${suffix}`;
}
