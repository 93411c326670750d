/**
 * Text that came from outside (a reason built from an API answer or a share file) as it may leave
 * the app: in the fleet status file every peer reads, or across the bridge to the page. One line of
 * printable text, at most `max` characters; control characters and bidi overrides (which reorder
 * what a terminal or the splash shows) become spaces.
 */
export function boundedText(text: string, max = 300): string {
  const plain = text
    .replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return plain.length > max ? `${plain.slice(0, max - 1)}…` : plain;
}
