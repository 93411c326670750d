import { constants as fsConstants, promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { findJsonSyntaxProblem, lineAndColumn, positionFromJsonErrorMessage } from '../base/json-syntax';
import { SeedError, displayPath, seedErrorFor } from './seed-errors';
import { KNOWN_SEED_FIELDS, type Seed, seedSchema } from '../contracts/seed';

/** A seed file holds a few hundred bytes; anything far bigger is the wrong file. */
export const SEED_MAX_BYTES = 64 * 1024;

export interface LoadedSeed {
  path: string;
  seed: Seed;
  /** Problems that do not stop the seed from being used (unknown fields). Each is also logged once. */
  warnings: string[];
}

/** File access, injectable so read failures that root cannot provoke (EACCES) are testable. */
export interface SeedFileReader {
  stat(file: string): Promise<{ isDirectory(): boolean; isFile(): boolean; size: number }>;
  read(file: string, maxBytes: number): Promise<Uint8Array>;
}

export const fsSeedReader: SeedFileReader = {
  stat: (file) => fs.stat(file),
  async read(file, maxBytes) {
    // O_NONBLOCK: a FIFO swapped in after the stat must not block the open; the fstat refuses it.
    const handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0));
    try {
      if (!(await handle.stat()).isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
      const buffer = new Uint8Array(maxBytes + 1);
      let filled = 0;
      for (;;) {
        const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, null);
        if (bytesRead === 0 || filled + bytesRead >= buffer.length) return buffer.subarray(0, filled + bytesRead);
        filled += bytesRead;
      }
    } finally {
      await handle.close();
    }
  },
};

export interface LoadSeedOptions {
  logger: Logger;
  defaultApiUrl: string;
  /** Shown as `~` in messages. */
  home?: string;
  reader?: SeedFileReader;
}

export async function loadSeed(
  file: string,
  { logger, defaultApiUrl, home, reader = fsSeedReader }: LoadSeedOptions,
): Promise<LoadedSeed> {
  const fail = (details: { field?: string; problem: string; fix: string }) => seedErrorFor(file, home, details);
  const bytes = await readSeedBytes(file, reader, fail);
  const text = decodeSeedText(bytes, fail);
  const raw = parseSeedJson(text, fail);
  const { seed, unknown } = validateSeed(raw, defaultApiUrl, fail);
  const warnings = unknown.map(
    (field) => `seed.json at ${displayPath(file, home)}: unknown field "${field}" is ignored`,
  );
  for (const warning of warnings) logger.warn({ seedPath: file }, warning);
  return { path: file, seed, warnings };
}

type Fail = (details: { field?: string; problem: string; fix: string }) => SeedError;

async function readSeedBytes(file: string, reader: SeedFileReader, fail: Fail): Promise<Uint8Array> {
  try {
    const stat = await reader.stat(file);
    if (stat.isDirectory())
      throw fail({
        problem: 'is a folder, not a file',
        fix: 'Point to the seed file inside it, e.g. <folder>/seed.json.',
      });
    if (!stat.isFile()) throw fail({ problem: 'is not a regular file', fix: 'Use a plain JSON file.' });
    if (stat.size > SEED_MAX_BYTES) throw tooLarge(stat.size, fail);
    const bytes = await reader.read(file, SEED_MAX_BYTES);
    // The file can grow between stat and read (Syncthing still writing).
    if (bytes.length > SEED_MAX_BYTES) throw tooLarge(bytes.length, fail);
    return bytes;
  } catch (err) {
    if (err instanceof SeedError) throw err;
    throw fail(describeReadError(err));
  }
}

function tooLarge(size: number, fail: Fail): SeedError {
  return fail({
    problem: `is ${size > SEED_MAX_BYTES + 1 ? `${(size / 1024).toFixed(1)} KiB` : `over ${SEED_MAX_BYTES / 1024} KiB`}, more than a seed can be (at most ${SEED_MAX_BYTES / 1024} KiB)`,
    fix: 'Check that the path names the seed file and not another file.',
  });
}

function describeReadError(err: unknown): { problem: string; fix: string } {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'ENOENT':
      return { problem: 'does not exist', fix: 'Create it, or pass the right path with --seed or AETHER_SEED.' };
    case 'EACCES':
    case 'EPERM':
      return {
        problem: 'cannot be read (permission denied)',
        fix: 'Make it readable by the user running Aether, e.g. chmod 644.',
      };
    case 'EISDIR':
      return { problem: 'is a folder, not a file', fix: 'Point to the seed file inside it, e.g. <folder>/seed.json.' };
    case 'ENOTREG':
      return { problem: 'is not a regular file', fix: 'Use a plain JSON file.' };
    default:
      return {
        problem: `cannot be read (${code ?? (err instanceof Error ? err.message : String(err))})`,
        fix: 'Check the file and the disk.',
      };
  }
}

function decodeSeedText(bytes: Uint8Array, fail: Fail): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw fail({ problem: 'is not UTF-8 text', fix: 'Save it as UTF-8 JSON.' });
  }
  if (text.trim() === '') {
    throw fail({ problem: 'is empty', fix: 'It must hold a JSON object with at least "event_device_id".' });
  }
  return text;
}

function parseSeedJson(text: string, fail: Fail): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const found = findJsonSyntaxProblem(text);
    const offset =
      found?.offset ?? positionFromJsonErrorMessage(err instanceof Error ? err.message : '', text) ?? text.length;
    const { line, column } = found ?? lineAndColumn(text, offset);
    const problem = found?.problem ?? 'invalid JSON';
    throw fail({
      problem: `is not valid JSON at line ${line}, column ${column}: ${problem}`,
      fix: 'Fix the JSON syntax there.',
    });
  }
}

function validateSeed(raw: unknown, defaultApiUrl: string, fail: Fail): { seed: Seed; unknown: string[] } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    const found = raw === null ? 'null' : Array.isArray(raw) ? 'an array' : `a ${typeof raw}`;
    throw fail({
      problem: `must hold a JSON object ({ ... }), but holds ${found}`,
      fix: 'Write it as {"event_device_id": "<device id>", ...}.',
    });
  }
  const result = seedSchema(defaultApiUrl).safeParse(raw);
  if (!result.success) throw seedIssueError(result.error.issues, raw as Record<string, unknown>, fail);
  const unknown = Object.keys(raw).filter((key) => !KNOWN_SEED_FIELDS.includes(key));
  return { seed: result.data, unknown };
}

const FIXES: Record<string, string> = {
  event_device_id:
    'Set "event_device_id" to the device id from the Aether admin (letters, digits, "_" or "-", at most 64).',
  primary_api_base_url: 'Use an absolute URL such as "https://api.example.com", or null for the default API.',
  backup_api_base_url: 'Use an absolute URL such as "https://backup.example.com", or null.',
  onsite_api_base_url: 'Use an absolute URL such as "http://10.0.0.5:8080", or null.',
  aether_api_key: 'Set it to the device API key as a string, or null when the API needs none.',
};

function seedIssueError(issues: readonly z.core.$ZodIssue[], raw: Record<string, unknown>, fail: Fail): SeedError {
  const issue = issues[0];
  const field = String(issue?.path[0] ?? '');
  const present = field in raw;
  let problem: string;
  // The key's value is never repeated, whatever its type (a key written as a number is refused, not
  // coerced: a long number has already lost digits); other values are repeated short and printable.
  const secret = field === 'aether_api_key';
  if (!present) problem = 'is missing';
  else if (issue?.code === 'invalid_type')
    problem = `must be ${issue.expected === 'string' ? 'a string' : issue.expected}, found ${secret ? `${kindOf(raw[field])} (its value is not shown)` : describeValue(raw[field])}`;
  else problem = `${secret ? 'the value' : shortJson(raw[field])} ${issue?.message ?? 'is invalid'}`;
  const others = new Set(issues.map((i) => String(i.path[0] ?? '')).filter((f) => f !== field)).size;
  const more = others > 0 ? ` (and ${others} more field${others > 1 ? 's' : ''} with problems)` : '';
  const fix =
    secret && issue?.code === 'invalid_type' && typeof raw[field] === 'number'
      ? 'Write the key as a string in quotes, exactly as the Aether admin shows it.'
      : (FIXES[field] ?? 'Fix this field.');
  return fail({ field, problem: problem + more, fix });
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (value === null || typeof value === 'object') return kindOf(value);
  return `${typeof value} ${shortJson(value)}`;
}

/** A value from the file as at most 40 printable characters: messages reach the splash and logs. */
function shortJson(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(/[^\x20-\x7e]/g, '?');
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
