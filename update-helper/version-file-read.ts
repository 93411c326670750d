import type { z } from 'zod';
import { findJsonSyntaxProblem } from '../base/json-syntax';
import { VersionFile } from '../contracts/version';

/**
 * version.json holds a few hundred bytes (notes at most 2,000 characters). 64 KiB leaves room for a
 * long `only_hosts` list and refuses a wrong or hostile file before a byte of it is read.
 */
export const VERSION_FILE_MAX_BYTES = 64 * 1024;

/**
 * version.json's bytes as JSON, or why not, as a description that quotes none of its content: the
 * reason reaches `update.last_error` in the shared status file, which every peer reads (a version.json
 * linked to /etc/shadow must not publish its first characters there). JSON.parse's own message quotes
 * the text, so it is never used.
 */
export function versionJsonSyntaxProblem(
  bytes: Uint8Array,
): { kind: 'json'; json: unknown } | { kind: 'problem'; description: string } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return { kind: 'problem', description: 'is not UTF-8 text' };
  }
  if (text.trim() === '') return { kind: 'problem', description: 'is empty' };
  try {
    return { kind: 'json', json: JSON.parse(text) as unknown };
  } catch {
    const found = findJsonSyntaxProblem(text);
    return {
      kind: 'problem',
      description: found ? `is not valid JSON (line ${found.line}, column ${found.column})` : 'is not valid JSON',
    };
  }
}

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(VersionFile.shape));

/**
 * Schema issues as "field: problem", naming only the contract's own fields: an unknown key or a
 * nested path is the file's content and is not repeated. zod's messages name expectations, not values.
 */
export function describeVersionIssues(issues: readonly z.core.$ZodIssue[], limit = 5): string {
  const lines = issues.slice(0, limit).map((issue) => {
    if (issue.code === 'unrecognized_keys')
      return `(top level): has ${issue.keys.length} unknown field${issue.keys.length === 1 ? '' : 's'}`;
    const field = issue.path[0];
    const where =
      typeof field === 'string' && KNOWN_FIELDS.has(field)
        ? `${field}${issue.path.length > 1 ? '[…]' : ''}`
        : '(top level)';
    return `${where}: ${boundedMessage(issue.message)}`;
  });
  if (issues.length > limit) lines.push(`and ${issues.length - limit} more`);
  return lines.join('; ');
}

/** zod messages are ours or zod's, but a custom refine could one day quote input: keep them short and plain. */
function boundedMessage(message: string): string {
  const plain = message.replace(/[^\x20-\x7e]/g, '?');
  return plain.length > 120 ? `${plain.slice(0, 117)}...` : plain;
}
