import type { Platform } from '../base/platform';

/**
 * Which file types `launch.open` may hand to the OS (issue 10, docs/SECURITY.md "Trust boundaries").
 * The OS opens a file with whatever program its extension is registered to, so the extension decides
 * whether "open" means "show a deck" or "run a program". An allow-list of document and media types,
 * not a deny-list, decides; the deny-list below only guards the device record's extension point.
 *
 * Macro-enabled Office types (pptm, docm, xlsm, ...) are not in the base list: they are documents, so
 * a device record may add them, but they carry VBA and most rooms never need them.
 */
export const OPEN_TYPE_CATEGORIES = {
  presentation: ['pptx', 'ppt', 'ppsx', 'pps', 'potx', 'key', 'odp'],
  pdf: ['pdf'],
  document: ['docx', 'doc', 'odt', 'rtf', 'txt', 'pages'],
  spreadsheet: ['xlsx', 'xls', 'ods', 'csv', 'numbers'],
  image: ['png', 'jpg', 'jpeg', 'gif', 'webp', 'heic', 'heif', 'bmp', 'tif', 'tiff'],
  audio: ['mp3', 'm4a', 'aac', 'wav', 'aif', 'aiff', 'flac', 'ogg', 'oga', 'opus', 'wma'],
  video: ['mp4', 'm4v', 'mov', 'avi', 'mkv', 'webm', 'wmv', 'mpg', 'mpeg', 'ogv'],
} as const satisfies Record<string, readonly string[]>;

/**
 * Types that run code, follow a link, install something or render active content when opened, on
 * any of the three platforms. The launcher runs on one platform, but a file list is shared by every
 * laptop of an event, so the union is refused everywhere; per-platform lists add what only matters
 * there. The device record's `launch_extra_types` can never add one of these.
 */
const EXECUTABLE_ANYWHERE = [
  // Windows programs, scripts, shortcuts and installers
  'exe',
  'com',
  'bat',
  'cmd',
  'scr',
  'pif',
  'cpl',
  'msi',
  'msp',
  'mst',
  'msc',
  'hta',
  'js',
  'jse',
  'vbs',
  'vbe',
  'wsf',
  'wsh',
  'wsc',
  'ps1',
  'ps1xml',
  'ps2',
  'psc1',
  'psd1',
  'psm1',
  'lnk',
  'url',
  'scf',
  'inf',
  'reg',
  'gadget',
  'application',
  'appref-ms',
  'appx',
  'appxbundle',
  'msix',
  'msixbundle',
  'settingcontent-ms',
  'library-ms',
  'search-ms',
  'searchconnector-ms',
  'diagcab',
  'chm',
  'hlp',
  'dll',
  'ocx',
  'sys',
  'drv',
  'cpl',
  'jar',
  'jnlp',
  'xbap',
  'vb',
  'iso',
  'img',
  'vhd',
  'vhdx',
  // macOS apps, scripts, links and installers
  'app',
  'command',
  'terminal',
  'tool',
  'fileloc',
  'webloc',
  'inetloc',
  'afploc',
  'ftploc',
  'pkg',
  'mpkg',
  'dmg',
  'workflow',
  'action',
  'scpt',
  'scptd',
  'applescript',
  'osax',
  'prefpane',
  'kext',
  'plugin',
  'bundle',
  'dylib',
  'mobileconfig',
  'saver',
  'qlgenerator',
  // Linux launchers, packages and scripts
  'desktop',
  'sh',
  'bash',
  'zsh',
  'csh',
  'ksh',
  'fish',
  'run',
  'bin',
  'appimage',
  'deb',
  'rpm',
  'snap',
  'flatpakref',
  'so',
  // interpreters everywhere
  'py',
  'pyc',
  'pyw',
  'pl',
  'pm',
  'rb',
  'php',
  'lua',
  'tcl',
  'class',
  'wasm',
  // active web and markup content (opened in a browser or a viewer that runs script)
  'html',
  'htm',
  'xhtml',
  'shtml',
  'shtm',
  'mht',
  'mhtml',
  'svg',
  'svgz',
  'xml',
  'xsl',
  'xslt',
  'hta',
  'swf',
] as const;

const EXECUTABLE_BY_PLATFORM: Readonly<Record<Platform, readonly string[]>> = {
  win32: [
    'ade',
    'adp',
    'mde',
    'mdb',
    'accde',
    'cer',
    'crt',
    'der',
    'ins',
    'isp',
    'its',
    'mau',
    'mad',
    'maf',
    'mag',
    'mam',
    'maq',
    'mar',
    'mas',
    'mat',
    'mav',
    'maw',
    'mcf',
    'mda',
    'mdt',
    'mdw',
    'mdz',
    'ops',
    'pcd',
    'prf',
    'prg',
    'pst',
    'sct',
    'shb',
    'shs',
    'xnk',
    'theme',
    'themepack',
    'msh',
    'msh1',
    'msh2',
    'mshxml',
    'msh1xml',
    'msh2xml',
  ],
  darwin: ['kext', 'xpc', 'ipa'],
  linux: ['ko', 'directory'],
};

/** A type as the lists hold it: lower case, no dot, letters, digits and `-` only. */
const TYPE_SHAPE = /^[a-z0-9][a-z0-9-]{0,19}$/;

export type OpenTypeDecision =
  { allowed: true; type: string } | { allowed: false; type: string | null; reason: string };

export interface OpenTypePolicy {
  check(filename: string): OpenTypeDecision;
  /** Every type that may be opened, sorted (for docs and logs). */
  readonly allowed: readonly string[];
  /** Entries of `launch_extra_types` that were refused, with why (logged by the caller). */
  readonly refusedExtras: readonly { value: string; reason: string }[];
}

const EXECUTABLE = new Set<string>([...EXECUTABLE_ANYWHERE, ...Object.values(EXECUTABLE_BY_PLATFORM).flat()]);

/** True for a type that can run code or follow a link on any platform (see above: the union is refused everywhere). */
export function isExecutableType(type: string): boolean {
  return EXECUTABLE.has(type.toLowerCase());
}

/**
 * The type a name will be opened as: its last extension, lower case. Invisible and bidi characters
 * are dropped first and trailing dots and spaces trimmed, as Windows does when it resolves a name,
 * so "deck\u202Extp.exe", "deck.exe." and "deck.EXE " all count as exe.
 */
export function typeOf(filename: string): string | null {
  const cleaned = filename
    .normalize('NFC')
    .replace(/[\p{Cc}\p{Cf}]/gu, '')
    .replace(/[. \u3000\u00A0]+$/u, '');
  const match = /\.([^./\\]+)$/.exec(cleaned);
  if (!match || match.index === 0) return null;
  return match[1]!.toLowerCase();
}

function normaliseExtra(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const t = value.trim().replace(/^\./, '').toLowerCase();
  return TYPE_SHAPE.test(t) ? t : null;
}

/** The allow-list, extended by the device record's `launch_extra_types` (never with an executable type). */
export function openTypePolicy(extraTypes: unknown = []): OpenTypePolicy {
  const allowed = new Set<string>(Object.values(OPEN_TYPE_CATEGORIES).flat());
  const refusedExtras: { value: string; reason: string }[] = [];
  for (const value of Array.isArray(extraTypes) ? extraTypes : []) {
    const type = normaliseExtra(value);
    const shown = String(value).slice(0, 40);
    if (type === null)
      refusedExtras.push({ value: shown, reason: 'not a file type (letters, digits and - only, at most 20)' });
    else if (isExecutableType(type))
      refusedExtras.push({ value: shown, reason: `.${type} can run code or follow a link when opened` });
    else allowed.add(type);
  }
  return {
    allowed: [...allowed].sort(),
    refusedExtras,
    check(filename) {
      const type = typeOf(filename);
      if (type === null)
        return { allowed: false, type: null, reason: 'Refused: a file without a type (no extension) is never opened.' };
      if (isExecutableType(type))
        return {
          allowed: false,
          type,
          reason: `Refused: .${type} files can run code or follow a link when opened, so Aether Native never opens them.`,
        };
      if (!allowed.has(type))
        return {
          allowed: false,
          type,
          reason: `Refused: .${type} is not a document or media type this launcher opens (ask ops to add it to the device's launch_extra_types if it is one).`,
        };
      return { allowed: true, type };
    },
  };
}
