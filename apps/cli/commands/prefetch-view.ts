import { createLogUpdate } from 'log-update';
import type { FileStatus } from '../../../contracts/cache';
import { fitColumns, printable, wrapColumns } from '../terminal-text';
import { fileLine, formatBytes, totalLine } from './progress-layout';

export { formatBytes, printable };

/**
 * The prefetch progress display. On a terminal: finished files scroll up as permanent lines while a
 * live area below is redrawn in place (one bar per running download, then the total with MiB/s and
 * ETA). Anywhere else (a log file, CI): plain lines only, one per finished file and one per 10 % of
 * the total, so the output stays readable and small.
 *
 * On a terminal every line is laid out for its current width (progress-layout.ts) and permanent lines
 * are wrapped by us, so no line ever wraps on its own; log-update erases and redraws the live area
 * (counting rows as the terminal shows them and clipping to its height).
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
  /** Terminal width; default: the stream's `columns` (kept current by Node on resize), else 80. */
  columns?: () => number;
  now?: () => number;
  /** Minimum time between two redraws of the live area (state changes always redraw). */
  redrawMs?: number;
}

export class PrefetchView {
  private readonly rows = new Map<string, Row>();
  private readonly now: () => number;
  private readonly redrawMs: number;
  private readonly live: ReturnType<typeof createLogUpdate> | null;
  private lastDraw = -Infinity;
  private startedAt: number | null = null;
  /** Bytes already there when the first progress arrived (resumed files): not part of this run's rate. */
  private startBytes = 0;
  private lastReportedTenth = 0;

  constructor(
    private readonly out: NodeJS.WritableStream & { columns?: number },
    items: readonly PrefetchItem[],
    private readonly options: ViewOptions,
  ) {
    this.now = options.now ?? Date.now;
    // showCursor: log-update would otherwise hide the cursor on the process's own stderr.
    this.live = options.tty ? createLogUpdate(out, { showCursor: true }) : null;
    this.redrawMs = options.redrawMs ?? 100;
    for (const item of items)
      this.rows.set(item.sha256, { item, state: 'waiting', bytes: 0, startedAt: null, startBytes: 0 });
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
    const tail = ` (${formatBytes(row.item.size)}) ${this.countLabel()}`;
    const name = printable(row.item.filename);
    this.permanentLines([`✓ ${this.options.tty ? fitColumns(name, this.width() - 2 - tail.length) : name}${tail}`]);
  }

  failed(sha256: string, message: string): void {
    const row = this.rows.get(sha256);
    if (!row) return;
    row.state = 'failed';
    row.bytes = 0;
    this.message(`✗ ${printable(row.item.filename)}: ${printable(message)}`);
  }

  /** A permanent line (a header, a summary): wrapped to the terminal's width, as is on other outputs. */
  message(text: string): void {
    this.permanentLines(this.options.tty ? wrapColumns(text, this.width()) : [text]);
  }

  /** Clears the live area, leaving only the permanent lines. */
  close(): void {
    this.live?.clear();
    this.live?.done();
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

  /** Columns a line may use: one less than the terminal's, so no terminal wraps at the last column. */
  private width(): number {
    return Math.max(20, (this.options.columns?.() ?? this.out.columns ?? 80) - 1);
  }

  private permanentLines(lines: string[]): void {
    this.live?.clear();
    this.out.write(`${lines.join('\n')}\n`);
    if (this.live) this.redraw(true);
    else this.reportTenths();
  }

  private redraw(force: boolean): void {
    if (!this.live) return this.reportTenths();
    const now = this.now();
    if (!force && now - this.lastDraw < this.redrawMs) return;
    this.lastDraw = now;
    const width = this.width();
    const lines = [...this.rows.values()]
      .filter((r) => r.state === 'downloading')
      .map((r) => this.fileLine(r, now, width));
    lines.push(this.totalLine(now, width));
    this.live(lines.join('\n'));
  }

  private reportTenths(): void {
    const { bytes, needed } = this.totals();
    if (needed === 0) return;
    const tenth = Math.floor((bytes / needed) * 10);
    if (tenth <= this.lastReportedTenth || tenth >= 10) return;
    this.lastReportedTenth = tenth;
    this.out.write(`${this.totalLine(this.now(), Infinity)}\n`);
  }

  private fileLine(row: Row, now: number, width: number): string {
    const rate = row.startedAt === null ? 0 : rateOf(row.bytes - row.startBytes, now - row.startedAt);
    return fileLine(printable(row.item.filename), { done: row.bytes, total: row.item.size, rate }, width);
  }

  private totalLine(now: number, width: number): string {
    const { bytes, needed, files, finished } = this.totals();
    const rate = this.startedAt === null ? 0 : rateOf(bytes - this.startBytes, now - this.startedAt);
    return totalLine({ done: bytes, total: needed, rate, finished, files }, width);
  }
}

function rateOf(bytes: number, ms: number): number {
  return ms > 0 ? (bytes / ms) * 1000 : 0;
}
