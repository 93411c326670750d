import { columnsOf, fitColumns, padColumns } from '../terminal-text';

/**
 * The lines of the prefetch display, laid out for a given number of columns. Wide terminals get
 * every field; narrower ones drop the least useful fields first (bytes, then speed, then the bar),
 * so a line never wraps: a wrapped line is what left fragments behind when the live area was
 * redrawn. `Infinity` gives the full layout, used for plain (non-terminal) output.
 */

const FULL_BAR = 24;
const FULL_NAME = 28;
const MIN_BAR = 4;

export interface Progress {
  done: number;
  total: number;
  /** Bytes per second; 0 when unknown. */
  rate: number;
}

interface Variant {
  fields: string[];
  bar: 'full' | 'flex' | 'none';
  nameMin: number;
}

export function fileLine(name: string, p: Progress, width: number): string {
  const variants: Variant[] = [
    { fields: [percent(p), bytes(p), formatRate(p.rate, true), `ETA ${eta(p)}`], bar: 'full', nameMin: FULL_NAME },
    { fields: [percent(p), bytes(p), formatRate(p.rate, false), `ETA ${eta(p)}`], bar: 'flex', nameMin: 16 },
    { fields: [percent(p), formatRate(p.rate, false), `ETA ${eta(p)}`], bar: 'flex', nameMin: 14 },
    { fields: [percent(p), `ETA ${eta(p)}`], bar: 'flex', nameMin: 12 },
    { fields: [percent(p), `ETA ${eta(p)}`], bar: 'none', nameMin: 8 },
    { fields: [percent(p)], bar: 'none', nameMin: 4 },
  ];
  for (const v of variants) {
    const tail = v.fields.join('  ');
    // "  NAME BAR TAIL" or "  NAME TAIL"
    const room = width - 2 - 1 - columnsOf(tail) - (v.bar === 'none' ? 0 : 1);
    if (v.bar === 'full') {
      if (room >= FULL_NAME + FULL_BAR + 2) return `  ${padColumns(name, FULL_NAME)} ${bar(p, FULL_BAR)} ${tail}`;
      continue;
    }
    if (v.bar === 'none') {
      if (room >= v.nameMin) return `  ${padColumns(name, Math.min(room, FULL_NAME))} ${tail}`;
      continue;
    }
    const inner = Math.min(FULL_BAR, room - v.nameMin - 2);
    if (inner < MIN_BAR) continue;
    const nameWidth = Math.min(FULL_NAME, room - inner - 2);
    return `  ${padColumns(name, nameWidth)} ${bar(p, inner)} ${tail}`;
  }
  return fitColumns(`  ${name} ${percent(p)}`, width);
}

export interface TotalProgress extends Progress {
  finished: number;
  files: number;
}

export function totalLine(p: TotalProgress, width: number): string {
  const files = `${p.finished}/${p.files} files`;
  const variants: Variant[] = [
    { fields: [percent(p), bytes(p), formatRate(p.rate, true), `ETA ${eta(p)}`, files], bar: 'full', nameMin: 0 },
    { fields: [percent(p), bytes(p), formatRate(p.rate, false), `ETA ${eta(p)}`, files], bar: 'flex', nameMin: 0 },
    { fields: [percent(p), formatRate(p.rate, false), `ETA ${eta(p)}`, files], bar: 'flex', nameMin: 0 },
    { fields: [percent(p), `ETA ${eta(p)}`, files], bar: 'flex', nameMin: 0 },
    { fields: [percent(p), `ETA ${eta(p)}`, files], bar: 'none', nameMin: 0 },
  ];
  for (const v of variants) {
    const tail = v.fields.join('  ');
    // "total BAR TAIL" or "total TAIL"
    const room = width - 6 - columnsOf(tail) - (v.bar === 'none' ? 0 : 1);
    if (v.bar === 'full' && room >= FULL_BAR + 2) return `total ${bar(p, FULL_BAR)} ${tail}`;
    if (v.bar === 'flex' && room - 2 >= MIN_BAR) return `total ${bar(p, Math.min(FULL_BAR, room - 2))} ${tail}`;
    if (v.bar === 'none' && room >= 0) return `total ${tail}`;
  }
  return fitColumns(`total ${percent(p)} ${files}`, width);
}

function bar({ done, total }: Progress, inner: number): string {
  const filled = total > 0 ? Math.min(inner, Math.floor((done / total) * inner)) : inner;
  return `[${'#'.repeat(filled)}${'-'.repeat(inner - filled)}]`;
}

function percent({ done, total }: Progress): string {
  const value = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  return `${String(value).padStart(3)}%`;
}

function bytes({ done, total }: Progress): string {
  return `${formatBytes(done)}/${formatBytes(total)}`;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

function formatRate(bytesPerSecond: number, padded: boolean): string {
  const value = (bytesPerSecond / 1024 ** 2).toFixed(1);
  return `${padded ? value.padStart(6) : value} MiB/s`;
}

function eta({ done, total, rate }: Progress): string {
  const remaining = total - done;
  if (remaining <= 0) return '0:00';
  if (rate <= 0) return '--:--';
  const seconds = Math.ceil(remaining / rate);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
