import pino, { type DestinationStream, type Logger } from 'pino';
import { maskSecrets } from './secret-mask';

export type { Logger };

/**
 * Every secret-bearing key is censored wherever it appears in a log object (DESIGN §9).
 * pino's redaction needs explicit paths, so the common nestings are listed.
 */
const SECRET_KEYS = [
  'aether_api_key',
  'apiKey',
  'api_key',
  'token',
  'jwt',
  'authorization',
  'Authorization',
  'x-api-key',
  'X-Api-Key',
  'password',
  'secret',
];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [
  k,
  `*.${k}`,
  `*.*.${k}`,
  `headers.${k}`,
  `*.headers.${k}`,
  `req.headers.${k}`,
]);

const JWT_PATTERN = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

/** Masks anything that looks like a JWT inside free text (error messages, URLs). */
export function redactText(text: string): string {
  return text.replace(JWT_PATTERN, '[Redacted JWT]');
}

export interface LoggerOptions {
  /** A file path to append to; stdout when absent. */
  file?: string;
  level?: string;
  /** Extra literal secrets (e.g. the seed's API key) to mask in every message. */
  secrets?: () => readonly string[];
  /** Where lines go instead of `file`/stdout (tests capture the redacted lines). */
  destination?: DestinationStream;
}

export function createLogger({
  file,
  level = process.env.AETHER_LOG_LEVEL ?? 'info',
  secrets,
  destination: given,
}: LoggerOptions = {}): Logger {
  const destination =
    given ?? (file ? pino.destination({ dest: file, mkdir: true, sync: false }) : pino.destination(1));
  // Every shape of a secret (URL-encoded, base64, hex, JSON-escaped), not only the literal one.
  const mask = (s: string) => maskSecrets(redactText(s), secrets?.() ?? []);
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      hooks: {
        // Free text can carry a secret that no redact path reaches (an error message quoting a header),
        // and printf-style arguments are formatted into the message, so every argument is scrubbed.
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a, mask, 0)) as Parameters<typeof method>);
        },
      },
      formatters: {
        log: (object) => scrub(object, mask, 0) as Record<string, unknown>,
        bindings: (bindings) => scrub(bindings, mask, 0) as Record<string, unknown>,
      },
      // logMethod has already turned an Error under `err` into a masked plain object; String() of it would log "[object Object]".
      serializers: {
        err: (err: unknown) =>
          err !== null && typeof err === 'object' && !(err instanceof Error)
            ? scrub(err, mask, 0)
            : serializeError(err, mask),
      },
    },
    destination,
  );
}

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS.map((k) => k.toLowerCase()));
const MAX_SCRUB_DEPTH = 8;

/** Masks secrets in every string at any depth; secret-named keys are censored wherever they appear. */
function scrub(value: unknown, mask: (s: string) => string, depth: number): unknown {
  if (typeof value === 'string') return mask(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > MAX_SCRUB_DEPTH) return '[Truncated]';
  if (value instanceof Error) return serializeError(value, mask);
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return '[Binary]';
  if (Array.isArray(value)) return value.map((v) => scrub(v, mask, depth + 1));
  if (value instanceof Map) return scrub(Object.fromEntries(value), mask, depth + 1);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value))
    out[key] = SECRET_KEY_SET.has(key.toLowerCase()) ? '[Redacted]' : scrub(v, mask, depth + 1);
  return out;
}

/** Type, message and code only: no stack traces, no attached configs that may carry headers. */
function serializeError(err: unknown, mask: (s: string) => string = redactText): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: mask(String(err)) };
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    message: mask(err.message),
    code: typeof code === 'string' || typeof code === 'number' ? code : undefined,
  };
}

/** A logger that drops everything, for tests and for modules used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
