import type { FileStatus } from '../../../contracts/cache';

/**
 * The prefetch progress display. On a terminal: finished files scroll up as permanent lines while a
 * live area below is redrawn in place (one bar per running download, then the total with MiB/s and
 * ETA). Anywhere else (a log file, CI): plain lines only, one per finished file and one per 10 % of
 * the total, so the output stays readable and small.
 */

export interface PrefetchItem {
  sha256: string;
  filename: string;
  size: number;
}

type RowState = 'waiting' | 'downloading' | 'done' | 'failed' | 'cached';

interface Row {
  item: PrefetchItem;
  state: RowState;
  bytes: number;
  startedAt: number | null;
  startBytes: number;
}

export interface ViewOptions {
  tty: boolean;
  now?: () => number;
  /** Minimum time between two redraws of the live area (state changes always redraw). */
  redrawMs?: number;
}

const BAR_WIDTH = 24;
const NAME_WIDTH = 28;

export class PrefetchView {
  private readonly rows = new Map<string, Row>();
  private readonly now: () => number;
  private readonly redrawMs: number;
  private liveLines = 0;
  private lastDraw = -Infinity;
  private startedAt: number | null = null;
  /** Bytes already there when the first progress arrived (resumed files): not part of this run's rate. */
  private startBytes = 0;
  private lastReportedTenth = 0;

  constructor(
    private readonly out: NodeJS.WritableStream,
    items: readonly PrefetchItem[],
    private readonly options: ViewOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.redrawMs = options.redrawMs ?? 100;
    for (const item of items) this.rows.set(item.sha256, { item, state: 'waiting', bytes: 0, startedAt: null, startBytes: 0 });
  }

  cached(sha256: string): void {
    const row = this.rows.get(sha256);
    if (!row) return;
    row.state = 'cached';
    row.bytes = row.item.size;
  }

  /** A progress event from the cache for one file. */
  update(status: FileStatus): void {
    const row = this.rows.get(status.sha256);
    if (!row || row.state === 'done' || row.state === 'failed' || row.state === 'cached') return;
    if (status.state !== 'downloading') return;
    const now = this.now();
    if (this.startedAt === null) {
      this.startedAt = now;
      this.startBytes = this.totals().bytes + status.bytes;
    }
    if (row.startedAt === null) {
      row.startedAt = now;
      row.startBytes = status.bytes;
    }
    row.state = 'downloading';
    row.bytes = status.bytes;
    this.redraw(false);
  }

  done(sha256: string): void {
    const row = this.rows.get(sha256);
    if (!row) return;
    row.state = 'done';
    row.bytes = row.item.size;
    this.permanent(`✓ ${printable(row.item.filename)} (${formatBytes(row.item.size)}) ${this.countLabel()}`);
  }

  failed(sha256: string, message: string): void {
    const row = this.rows.get(sha256);
    if (!row) return;
    row.state = 'failed';
    row.bytes = 0;
    this.permanent(`✗ ${printable(row.item.filename)}: ${printable(message)}`);
  }

  /** Clears the live area, leaving only the permanent lines. */
  close(): void {
    if (this.options.tty) this.clearLive();
  }

  totals(): { files: number; finished: number; failed: number; bytes: number; needed: number } {
    let finished = 0;
    let failed = 0;
    let bytes = 0;
    let needed = 0;
    for (const row of this.rows.values()) {
      if (row.state === 'done' || row.state === 'cached') finished += 1;
      if (row.state === 'failed') failed += 1;
      if (row.state === 'cached') continue;
      needed += row.item.size;
      bytes += row.bytes;
    }
    return { files: this.rows.size, finished, failed, bytes, needed };
  }

  private countLabel(): string {
    const { files, finished } = this.totals();
    return `[${finished}/${files}]`;
  }

  private permanent(line: string): void {
    if (this.options.tty) this.clearLive();
    this.out.write(`${line}\n`);
    if (this.options.tty) this.redraw(true);
    else this.reportTenths();
  }

  private redraw(force: boolean): void {
    if (!this.options.tty) return this.reportTenths();
    const now = this.now();
    if (!force && now - this.lastDraw < this.redrawMs) return;
    this.lastDraw = now;
    const lines = [...this.rows.values()].filter((r) => r.state === 'downloading').map((r) => this.fileLine(r, now));
    lines.push(this.totalLine(now));
    this.clearLive();
    this.out.write(`${lines.join('\n')}\n`);
    this.liveLines = lines.length;
  }

  private clearLive(): void {
    if (this.liveLines === 0) return;
    this.out.write(`\x1b[${this.liveLines}A\x1b[0J`);
    this.liveLines = 0;
  }

  private reportTenths(): void {
    const { bytes, needed } = this.totals();
    if (needed === 0) return;
    const tenth = Math.floor((bytes / needed) * 10);
    if (tenth <= this.lastReportedTenth || tenth >= 10) return;
    this.lastReportedTenth = tenth;
    this.out.write(`${this.totalLine(this.now())}\n`);
  }

  private fileLine(row: Row, now: number): string {
    const size = row.item.size;
    const rate = row.startedAt === null ? 0 : rateOf(row.bytes - row.startBytes, now - row.startedAt);
    const name = fit(row.item.filename, NAME_WIDTH);
    return `  ${name} ${bar(row.bytes, size)} ${percent(row.bytes, size)}  ${formatBytes(row.bytes)}/${formatBytes(size)}  ${formatRate(rate)}  ETA ${eta(size - row.bytes, rate)}`;
  }

  private totalLine(now: number): string {
    const { bytes, needed, files, finished } = this.totals();
    const rate = this.startedAt === null ? 0 : rateOf(bytes - this.startBytes, now - this.startedAt);
    return `total ${bar(bytes, needed)} ${percent(bytes, needed)}  ${formatBytes(bytes)}/${formatBytes(needed)}  ${formatRate(rate)}  ETA ${eta(needed - bytes, rate)}  ${finished}/${files} files`;
  }
}

function rateOf(bytes: number, ms: number): number {
  return ms > 0 ? (bytes / ms) * 1000 : 0;
}

function bar(done: number, total: number): string {
  const filled = total > 0 ? Math.min(BAR_WIDTH, Math.floor((done / total) * BAR_WIDTH)) : BAR_WIDTH;
  return `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
}

function percent(done: number, total: number): string {
  const value = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  return `${String(value).padStart(3)}%`;
}

/** Names come from the API: control characters would move the cursor, so they are shown as `?`. */
export function printable(name: string): string {
  return name.replace(/\p{Cc}/gu, '?');
}

function fit(name: string, width: number): string {
  const clean = printable(name);
  return clean.length > width ? `${clean.slice(0, width - 1)}…` : clean.padEnd(width);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function formatRate(bytesPerSecond: number): string {
  return `${(bytesPerSecond / 1024 ** 2).toFixed(1).padStart(6)} MiB/s`;
}

function eta(remaining: number, bytesPerSecond: number): string {
  if (remaining <= 0) return '0:00';
  if (bytesPerSecond <= 0) return '--:--';
  const seconds = Math.ceil(remaining / bytesPerSecond);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
