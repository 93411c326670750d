import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import stringWidth from 'string-width';
import { fileLine, totalLine } from '../apps/cli/commands/progress-layout';
import { formatBytes, PrefetchView } from '../apps/cli/commands/prefetch-view';
import { wrapColumns } from '../apps/cli/terminal-text';

const MIB = 1024 * 1024;
const A = 'a'.repeat(64);
const B = 'b'.repeat(64);

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

function downloading(sha256: string, bytes: number, size: number) {
  return { sha256, state: 'downloading' as const, bytes, size, lastError: null };
}

describe('PrefetchView', () => {
  it('off a terminal writes one line per finished file and one per 10 % of the total, never an escape code', () => {
    const out = capture();
    let now = 0;
    const view = new PrefetchView(out.stream, [{ sha256: A, filename: 'Keynote.pptx', size: 100 * MIB }], {
      tty: false,
      now: () => now,
    });
    for (let mib = 1; mib <= 100; mib += 1) {
      now += 100;
      view.update(downloading(A, mib * MIB, 100 * MIB));
    }
    view.done(A);

    const lines = out.text().trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('total '))).toHaveLength(9);
    expect(lines.at(-1)).toBe('✓ Keynote.pptx (100.0 MiB) [1/1]');
    expect(lines[0]).toMatch(/^total \[##-{22}\]  10%  10\.0 MiB\/100\.0 MiB +10\.0 MiB\/s  ETA 0:09  0\/1 files$/);
    expect(out.text()).not.toContain('\x1b');
  });

  it('on a terminal redraws the live area in place, throttled, and scrolls finished files above it', () => {
    const out = capture();
    let now = 0;
    const view = new PrefetchView(
      out.stream,
      [
        { sha256: A, filename: 'a.pptx', size: 10 * MIB },
        { sha256: B, filename: 'b.key', size: 10 * MIB },
      ],
      { tty: true, now: () => now, redrawMs: 100 },
    );
    view.update(downloading(A, 1 * MIB, 10 * MIB));
    now += 10;
    view.update(downloading(A, 2 * MIB, 10 * MIB));
    now += 200;
    view.update(downloading(B, 5 * MIB, 10 * MIB));
    view.done(A);
    view.close();

    const text = out.text();
    // Draws: the first update, the one 200 ms later, after the finished file; the update 10 ms after the first is skipped.
    expect(text.match(/total \[/g)).toHaveLength(3);
    expect(text.match(/ {2}a\.pptx +\[/g)).toHaveLength(2);
    expect(text).toContain('✓ a.pptx (10.0 MiB) [1/2]');
    // Each redraw and the close erase the live area first (log-update: erase line, up, ..., column 1).
    expect(text.match(/(?:\x1b\[2K\x1b\[1A)+\x1b\[2K\x1b\[G/g)?.length).toBeGreaterThanOrEqual(3);
    expect(text.endsWith('\x1b[2K\x1b[1A\x1b[2K\x1b[G')).toBe(true);
  });

  it('shows control characters in API file names as ? so they cannot move the cursor', () => {
    const out = capture();
    const view = new PrefetchView(out.stream, [{ sha256: A, filename: 'evil\x1b[2J\rname.pptx', size: 1 }], {
      tty: false,
    });
    view.failed(A, 'HTTP 404\x07');
    expect(out.text()).toBe('✗ evil?[2J?name.pptx: HTTP 404?\n');
  });

  it('counts files already in the cache as finished without counting them as transferred', () => {
    const view = new PrefetchView(
      capture().stream,
      [
        { sha256: A, filename: 'a', size: 5 },
        { sha256: B, filename: 'b', size: 7 },
      ],
      { tty: false },
    );
    view.cached(A);
    expect(view.totals()).toEqual({ files: 2, finished: 1, failed: 0, bytes: 0, needed: 7 });
  });

  it.each([
    [0, '0 B'],
    [1023, '1023 B'],
    [1536, '1.5 KiB'],
    [24 * MIB, '24.0 MiB'],
    [3 * 1024 * MIB, '3.00 GiB'],
  ])('formats %d bytes as %s', (bytes, text) => {
    expect(formatBytes(bytes)).toBe(text);
  });
});

describe('progress layout', () => {
  const names = [
    'a.pptx',
    'Opening keynote — final final v7 (do not edit).pptx',
    '年次報告書プレゼンテーション最終版.key',
    'Sponsor reel 🎬 4K.mp4',
  ];
  const states = [
    { done: 0, total: 0, rate: 0 },
    { done: 0, total: 5 * 1024 ** 3, rate: 0 },
    { done: 123 * MIB, total: 1023 * MIB, rate: 987.6 * MIB },
    { done: 10 * MIB, total: 10 * MIB, rate: 1.5 * MIB },
    { done: 1, total: 3 * 1024 ** 3, rate: 1 },
  ];

  it('never lays a line out wider than the width, from 20 to 200 columns', () => {
    for (let width = 20; width <= 200; width += 1) {
      for (const p of states) {
        const total = totalLine({ ...p, finished: 12, files: 345 }, width);
        expect(stringWidth(total), `${width}: ${total}`).toBeLessThanOrEqual(width);
        expect(total.startsWith('total ')).toBe(true);
        for (const name of names) {
          const line = fileLine(name, p, width);
          expect(stringWidth(line), `${width}: ${line}`).toBeLessThanOrEqual(width);
        }
      }
    }
  });

  it('keeps the percentage and ETA down to 40 columns, drops the least useful fields first', () => {
    const p = { done: 123 * MIB, total: 1023 * MIB, rate: 9.5 * MIB };
    expect(totalLine({ ...p, finished: 2, files: 7 }, 39)).toMatch(
      /^total (\[[#-]+\] )? 12% {2}.*ETA 1:35 {2}2\/7 files$/,
    );
    expect(fileLine('Keynote.pptx', p, 39)).toMatch(/^ {2}Keynote\.pptx +(\[[#-]+\] )? 12% {2}ETA 1:35$/);
    expect(fileLine('Keynote.pptx', p, 79)).toMatch(
      /^ {2}Keynote\.pptx +\[[#-]+\] +12% {2}123\.0 MiB\/1023\.0 MiB {2}9\.5 MiB\/s {2}ETA 1:35$/,
    );
    expect(fileLine('Keynote.pptx', p, Infinity)).toBe(
      `  ${'Keynote.pptx'.padEnd(28)} [##----------------------]  12%  123.0 MiB/1023.0 MiB     9.5 MiB/s  ETA 1:35`,
    );
  });

  it('wraps permanent lines by columns, cutting only words wider than a line', () => {
    for (const width of [20, 39, 59]) {
      const lines = wrapColumns(
        'all 4 files present and verified in /tmp/aether-prefetch-tmux-Eipelt/cache 年次報告書プレゼンテーション最終版.key',
        width,
      );
      for (const line of lines) expect(stringWidth(line), line).toBeLessThanOrEqual(width);
      expect(lines.slice(1).every((l) => l.startsWith('    '))).toBe(true);
      expect(lines.join('').replace(/\s+/g, '')).toBe(
        'all4filespresentandverifiedin/tmp/aether-prefetch-tmux-Eipelt/cache年次報告書プレゼンテーション最終版.key',
      );
    }
    expect(wrapColumns('short', 40)).toEqual(['short']);
  });
});
