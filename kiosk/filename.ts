/**
 * Turns a file name chosen by whoever uploaded the event file into one that is safe to create on
 * macOS, Linux and Windows alike, as a single path segment (DESIGN §5, §7).
 *
 * The result never contains a separator, NUL, a control or bidi-override character, is never `.`
 * or `..`, never a reserved Windows device name, never ends in a dot or space, never starts with a
 * dot (no hidden files) and is at most MAX_FILENAME_BYTES of UTF-8.
 */

/** Under every common file system's 255-byte limit, with room for a temp suffix. */
export const MAX_FILENAME_BYTES = 200;
const MAX_EXTENSION_BYTES = 16;

/** Characters Windows refuses in a name, plus both separators; each becomes `_`. */
const FORBIDDEN = /[<>:"/\\|?*]/g;
/** C0/C1 controls (NUL included) and the invisible bidi/format marks used to disguise extensions. */
const INVISIBLE = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;
/** CON, PRN, AUX, NUL, COM0-9, LPT0-9 (and the superscript digits Windows also reserves), with any extension. */
const WINDOWS_RESERVED = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])\s*(\..*)?$/i;

export function shortHash(sha256: string): string {
  return sha256.slice(0, 16);
}

export function sanitizeFilename(original: string, sha256: string): string {
  let name = original.normalize('NFC').replace(INVISIBLE, '').replace(FORBIDDEN, '_');
  name = name
    .trim()
    .replace(/^\.+/, '')
    .replace(/[. ]+$/, '');
  if (WINDOWS_RESERVED.test(name)) name = `_${name}`;
  name = capBytes(name, MAX_FILENAME_BYTES).replace(/[. ]+$/, '');
  const stem = name.replace(/\.[\p{L}\p{N}]{1,15}$/u, '');
  if (/^[_ .]*$/.test(stem)) return fallbackName(original, sha256);
  return name;
}

/** Keeps the extension whole and shortens the stem, cutting only at code point boundaries. */
function capBytes(name: string, maxBytes: number): string {
  if (utf8Length(name) <= maxBytes) return name;
  const ext = extensionOf(name);
  const stem = name.slice(0, name.length - ext.length);
  return truncateUtf8(stem, maxBytes - utf8Length(ext)) + ext;
}

function extensionOf(name: string): string {
  const match = /\.[^.\s]+$/u.exec(name);
  if (!match || utf8Length(match[0]) > MAX_EXTENSION_BYTES || match.index === 0) return '';
  return match[0];
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = '';
  let bytes = 0;
  for (const codePoint of text) {
    const size = utf8Length(codePoint);
    if (bytes + size > maxBytes) break;
    out += codePoint;
    bytes += size;
  }
  return out;
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** When nothing usable is left, the content's own short hash still names it, keeping a plain extension. */
function fallbackName(original: string, sha256: string): string {
  const ext = /\.([A-Za-z0-9]{1,15})$/.exec(original)?.[1];
  return ext ? `${shortHash(sha256)}.${ext}` : shortHash(sha256);
}
