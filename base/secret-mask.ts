/**
 * Masks a secret (the API key, a session token) in free text, in every shape a server or a library
 * can echo it: as is, URL-encoded (upper or lower hex, `+` for spaces), base64 and base64url (also
 * inside a longer base64 blob, at any byte alignment), hex, JSON-escaped, and cut short (any start
 * or end of 8 characters or more). Matching ignores case: an upper-cased echo of a key is still the key.
 */
export const SECRET_MASK = '[Redacted]';

/** Below this, a "secret" would match ordinary text; callers withhold text holding one instead (api-errors.ts). */
export const MIN_MASKED_LENGTH = 4;
/** A base64 fragment shorter than this is too likely to appear by chance to be masked. */
const MIN_FRAGMENT = 8;

export function secretForms(secret: string): string[] {
  if (secret.length < MIN_MASKED_LENGTH) return [];
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret]);
  const uri = encodeURIComponent(secret);
  forms.add(uri);
  forms.add(uri.replace(/%20/g, '+'));
  forms.add(uri.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  forms.add(JSON.stringify(secret).slice(1, -1));
  forms.add(JSON.stringify(secret).slice(1, -1).replace(/\//g, '\\/'));
  forms.add(bytes.toString('hex'));
  for (const fragment of base64Fragments(bytes)) forms.add(fragment);
  // A truncated echo ("key ak_live_Zq8+vR… is invalid"): every start and end of the secret of at
  // least 8 characters. The last 4 characters alone (a "key ending in …" hint) stay readable.
  for (let n = MIN_FRAGMENT; n < secret.length; n += 1) {
    forms.add(secret.slice(0, n));
    forms.add(secret.slice(secret.length - n));
  }
  // Longest first, so a shorter form never splits a longer one before it is replaced.
  return [...forms].filter((f) => f.length >= MIN_MASKED_LENGTH).sort((a, b) => b.length - a.length);
}

/**
 * The base64 characters that depend only on the secret's bytes, for the secret at each of the three
 * byte offsets a longer encoded text can put it at (`Basic base64(user:key)`, a JSON blob in base64).
 */
function base64Fragments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const first = Math.ceil((offset * 8) / 6);
    const last = Math.floor(((offset + bytes.length) * 8) / 6);
    const fragment = encoded.slice(first, last);
    if (fragment.length >= MIN_FRAGMENT) {
      out.push(fragment, fragment.replace(/\+/g, '-').replace(/\//g, '_'));
    }
    // The whole encoding, padding included, for a secret encoded on its own.
    if (offset === 0) out.push(bytes.toString('base64'), bytes.toString('base64url'));
  }
  return out;
}

const formCache = new Map<string, RegExp | null>();

function patternFor(secrets: readonly string[]): RegExp | null {
  const key = JSON.stringify(secrets);
  if (formCache.has(key)) return formCache.get(key) ?? null;
  const forms = [...new Set(secrets.flatMap((s) => secretForms(s)))].sort((a, b) => b.length - a.length);
  const pattern = forms.length ? new RegExp(forms.map(escapeRegExp).join('|'), 'gi') : null;
  // A handful of secrets per process (a key, the current and previous tokens): keep the cache small.
  if (formCache.size > 32) formCache.clear();
  formCache.set(key, pattern);
  return pattern;
}

/** `text` with every form of every secret replaced by `[Redacted]`. */
export function maskSecrets(text: string, secrets: readonly (string | null | undefined)[]): string {
  const present = secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_MASKED_LENGTH);
  if (!present.length || !text) return text;
  const pattern = patternFor(present);
  return pattern ? text.replace(pattern, SECRET_MASK) : text;
}

/** Whether `text` holds any form of any secret (tests, and callers that drop such text entirely). */
export function containsSecret(text: string, secrets: readonly (string | null | undefined)[]): boolean {
  return maskSecrets(text, secrets) !== text;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
