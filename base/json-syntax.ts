/**
 * Where a JSON text first goes wrong, as line and column. JSON.parse only says "position N" in some
 * Node versions and nothing positional in others ("Unexpected token 'a', "abc" is not valid JSON"),
 * so a small scanner finds the offset itself; the message forms are a fallback.
 */
export interface JsonSyntaxProblem {
  offset: number;
  line: number;
  column: number;
  problem: string;
}

class ScanError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** Reads both message forms: "... at position 12" (Node ≤ 20) and "... (line 2 column 5)" (newer). */
export function positionFromJsonErrorMessage(message: string, text: string): number | null {
  const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
  if (lineCol) {
    const wantLine = Number(lineCol[1]);
    const wantColumn = Number(lineCol[2]);
    let line = 1;
    let i = 0;
    while (line < wantLine && i < text.length) {
      if (text.charCodeAt(i) === 10) line += 1;
      i += 1;
    }
    return i + wantColumn - 1;
  }
  const position = /at position (\d+)/.exec(message);
  if (position) return Number(position[1]);
  if (/end of JSON input/i.test(message)) return text.length;
  return null;
}

/** The first syntax problem of `text`, or null when it is valid JSON. */
export function findJsonSyntaxProblem(text: string): JsonSyntaxProblem | null {
  try {
    const end = scanValue(text, skipSpace(text, 0));
    const rest = skipSpace(text, end);
    if (rest < text.length)
      throw new ScanError(rest, `unexpected ${describeAt(text, rest)} after the end of the JSON value`);
    return null;
  } catch (err) {
    if (!(err instanceof ScanError)) throw err;
    return { offset: err.offset, problem: err.message, ...lineAndColumn(text, err.offset) };
  }
}

function describeAt(text: string, i: number): string {
  if (i >= text.length) return 'end of file';
  return `character ${JSON.stringify(text[i])}`;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i += 1;
  return i;
}

function scanValue(text: string, i: number): number {
  const c = text[i];
  if (c === '{') return scanObject(text, i);
  if (c === '[') return scanArray(text, i);
  if (c === '"') return scanString(text, i);
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return scanNumber(text, i);
  for (const word of ['true', 'false', 'null']) {
    if (text.startsWith(word, i)) return i + word.length;
  }
  if (i >= text.length) throw new ScanError(i, 'the file ends where a value was expected (is it cut short?)');
  throw new ScanError(i, `unexpected ${describeAt(text, i)} where a value was expected`);
}

function scanObject(text: string, start: number): number {
  let i = skipSpace(text, start + 1);
  if (text[i] === '}') return i + 1;
  for (;;) {
    if (text[i] !== '"') {
      const hint = text[i] === '}' ? ' (a trailing comma?)' : text[i] === "'" ? ' (JSON needs double quotes)' : '';
      throw new ScanError(
        i,
        i >= text.length
          ? 'the file ends inside an object (a missing "}"?)'
          : `expected a property name in double quotes, found ${describeAt(text, i)}${hint}`,
      );
    }
    i = skipSpace(text, scanString(text, i));
    if (text[i] !== ':') throw new ScanError(i, `expected ":" after the property name, found ${describeAt(text, i)}`);
    i = skipSpace(text, scanValue(text, skipSpace(text, i + 1)));
    if (text[i] === '}') return i + 1;
    if (text[i] !== ',')
      throw new ScanError(
        i,
        i >= text.length
          ? 'the file ends inside an object (a missing "}"?)'
          : `expected "," or "}", found ${describeAt(text, i)} (a missing comma?)`,
      );
    i = skipSpace(text, i + 1);
  }
}

function scanArray(text: string, start: number): number {
  let i = skipSpace(text, start + 1);
  if (text[i] === ']') return i + 1;
  for (;;) {
    if (text[i] === ']') throw new ScanError(i, 'unexpected "]" (a trailing comma?)');
    i = skipSpace(text, scanValue(text, i));
    if (text[i] === ']') return i + 1;
    if (text[i] !== ',')
      throw new ScanError(
        i,
        i >= text.length
          ? 'the file ends inside an array (a missing "]"?)'
          : `expected "," or "]", found ${describeAt(text, i)}`,
      );
    i = skipSpace(text, i + 1);
  }
}

function scanString(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x22) return i + 1;
    if (code < 0x20)
      throw new ScanError(i, 'a line break or control character inside a string (a missing closing quote?)');
    if (code === 0x5c) {
      const next = text[i + 1];
      if (next === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6)))
          throw new ScanError(i, 'a \\u escape needs four hex digits');
        i += 6;
        continue;
      }
      if (next === undefined || !'"\\/bfnrt'.includes(next))
        throw new ScanError(i, 'an invalid escape sequence in a string');
      i += 2;
      continue;
    }
    i += 1;
  }
  throw new ScanError(text.length, 'the file ends inside a string (a missing closing quote?)');
}

function scanNumber(text: string, start: number): number {
  const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(start));
  if (!match) throw new ScanError(start, `an invalid number`);
  return start + match[0].length;
}
