import stringWidth from 'string-width';

/**
 * Text that came from outside (the API, a share peer, the command line) on its way to a terminal.
 * Control characters (ESC, CR, LF, BEL, C1) would move the cursor, clear the screen or fake table
 * rows, and bidi overrides would reorder what is shown, so each becomes `?`.
 */
const UNSAFE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069]/gu;

export function printable(text: string): string {
  return text.replace(UNSAFE, '?');
}

/** `printable`, then cut to `max` terminal columns with an ellipsis. */
export function printableCapped(text: string, max: number): string {
  return fitColumns(printable(text), max);
}

/** Columns the text takes on a terminal (wide characters count two). */
export function columnsOf(text: string): number {
  return stringWidth(text);
}

const segmenter = new Intl.Segmenter();

/** The longest start of `text` that takes at most `max` columns (whole characters only). */
export function takeColumns(text: string, max: number): string {
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = stringWidth(segment);
    if (used + w > max) break;
    out += segment;
    used += w;
  }
  return out;
}

/** Cuts (never pads) to at most `max` columns, ending in `…` when something was cut. */
export function fitColumns(text: string, max: number): string {
  if (max <= 0) return '';
  if (stringWidth(text) <= max) return text;
  return `${takeColumns(text, max - 1)}…`;
}

/** `fitColumns`, then padded with spaces to exactly `width` columns. */
export function padColumns(text: string, width: number): string {
  const fitted = fitColumns(text, width);
  return fitted + ' '.repeat(Math.max(0, width - stringWidth(fitted)));
}

/**
 * Greedy word wrap to `width` columns; continuation lines start with `indent`; a word longer than a
 * line is cut. For permanent lines on a terminal (a header, an error), which must not wrap on their own.
 */
export function wrapColumns(text: string, width: number, indent = '    '): string[] {
  const lines: string[] = [];
  let line = '';
  const room = () => Math.max(1, width - (lines.length === 0 ? 0 : stringWidth(indent)));
  const flush = () => {
    lines.push(lines.length === 0 ? line : indent + line);
    line = '';
  };
  for (const word of text.split(' ')) {
    if (line !== '' && stringWidth(`${line} ${word}`) <= room()) {
      line = `${line} ${word}`;
      continue;
    }
    if (line !== '') flush();
    // The word starts a line: cut it while it is wider than the line it lands on.
    let rest = word;
    while (stringWidth(rest) > room()) {
      const head = takeColumns(rest, room());
      if (head === '') break;
      line = head;
      flush();
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  if (line !== '' || lines.length === 0) flush();
  return lines;
}
