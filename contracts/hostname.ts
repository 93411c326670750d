/**
 * Hostnames as the share names them (CONTRACTS.md): lower case, a trailing `.local` removed,
 * anything but `a-z 0-9 -` replaced by `-`.
 */
export function normaliseHostname(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/\.$/, '')
    .replace(/\.local$/, '')
    .replace(/[^a-z0-9-]/g, '-');
}
