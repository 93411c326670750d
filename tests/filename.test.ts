import { describe, expect, it } from 'vitest';
import { MAX_FILENAME_BYTES, sanitizeFilename, shortHash } from '../kiosk/filename';

const SHA = 'ab'.repeat(32);
const SHORT = shortHash(SHA);

/** Every property a safe single path segment must have, on all three platforms. */
function expectSafe(name: string): void {
  expect(name.length).toBeGreaterThan(0);
  expect(name).not.toMatch(/[/\\<>:"|?*]/);
  expect(name).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  expect(name).not.toMatch(/^\./);
  expect(name).not.toMatch(/[. ]$/);
  expect(name).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\s*\..*)?$/i);
  expect(Buffer.byteLength(name, 'utf8')).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
  expect(name).toBe(name.normalize('NFC'));
}

describe('sanitizeFilename', () => {
  it.each([
    ['Keynote.pptx', 'Keynote.pptx'],
    ['Q3 Results (final) v2.key', 'Q3 Results (final) v2.key'],
    ['Grüße & Präsentation.pptx', 'Grüße & Präsentation.pptx'],
    ['日本語のスライド.pptx', '日本語のスライド.pptx'],
  ])('keeps an ordinary name %j as it is', (input, expected) => {
    expect(sanitizeFilename(input, SHA)).toBe(expected);
  });

  it.each([
    ['../../etc/passwd', '_.._etc_passwd'],
    ['..\\..\\Windows\\System32\\evil.dll', '_.._Windows_System32_evil.dll'],
    ['/absolute/path.pptx', '_absolute_path.pptx'],
    ['C:\\Users\\x\\deck.pptx', 'C__Users_x_deck.pptx'],
    ['deck\u0000.pptx.exe', 'deck.pptx.exe'],
    ['line\nbreak\r\ttab.pptx', 'linebreaktab.pptx'],
    ['bell\u0007\u001b[31mred.pptx', 'bell[31mred.pptx'],
    ['invoice\u202Exslx.exe', 'invoicexslx.exe'],
    ['what?*<>|".pptx', 'what______.pptx'],
    ['.hidden.pptx', 'hidden.pptx'],
    ['trailing dots...', 'trailing dots'],
    ['trailing spaces   ', 'trailing spaces'],
    ['   leading spaces.pptx', 'leading spaces.pptx'],
  ])('rewrites the hostile name %j to %j', (input, expected) => {
    const out = sanitizeFilename(input, SHA);
    expect(out).toBe(expected);
    expectSafe(out);
  });

  it.each(['CON', 'con.pptx', 'PRN.txt', 'AUX', 'NUL.tar.gz', 'com1.pptx', 'LPT9', 'Com¹.key', 'CON .pptx', 'nul.'])(
    'prefixes the reserved Windows device name %j',
    (input) => {
      const out = sanitizeFilename(input, SHA);
      expect(out.startsWith('_')).toBe(true);
      expectSafe(out);
    },
  );

  it('does not mistake a name that merely starts like a device for one', () => {
    expect(sanitizeFilename('CONFERENCE.pptx', SHA)).toBe('CONFERENCE.pptx');
    expect(sanitizeFilename('com10.pptx', SHA)).toBe('com10.pptx');
  });

  it.each(['.', '..', '...', '/', '\\', '\u0000', '   ', '\u202E', '../..', '..\\..\\'])(
    'falls back to the short hash for the name %j that leaves nothing usable',
    (input) => {
      expect(sanitizeFilename(input, SHA)).toBe(SHORT);
    },
  );

  it('keeps a plain extension in the fallback name', () => {
    expect(sanitizeFilename('/\u0000/.pptx', SHA)).toBe(`${SHORT}.pptx`);
  });

  it('caps 10,000 characters at the byte limit and keeps the extension', () => {
    const out = sanitizeFilename(`${'a'.repeat(10_000)}.pptx`, SHA);
    expect(Buffer.byteLength(out)).toBe(MAX_FILENAME_BYTES);
    expect(out.endsWith('.pptx')).toBe(true);
    expectSafe(out);
  });

  it('cuts multi-byte names at code point boundaries, never inside an emoji or a character', () => {
    const out = sanitizeFilename(`${'😀'.repeat(100)}ü${'é'.repeat(200)}.key`, SHA);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(MAX_FILENAME_BYTES);
    expect(out.endsWith('.key')).toBe(true);
    expect(out).not.toContain('\uFFFD');
    expect(Buffer.from(out, 'utf8').toString('utf8')).toBe(out);
    expect(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(out)).toBe(false);
  });

  it('does not treat an absurdly long suffix as an extension worth keeping', () => {
    const out = sanitizeFilename(`deck.${'x'.repeat(400)}`, SHA);
    expectSafe(out);
    expect(out.startsWith('deck.')).toBe(true);
  });

  it('normalises decomposed Unicode to NFC so one name is one file on macOS and Linux alike', () => {
    const decomposed = 'Pra\u0308sentation.pptx';
    expect(sanitizeFilename(decomposed, SHA)).toBe('Pr\u00e4sentation.pptx');
  });
});
