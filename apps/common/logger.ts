import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Every secret-bearing key is censored wherever it appears in a log object (DESIGN §9).
 * pino's redaction needs explicit paths, so the common nestings are listed.
 */
const SECRET_KEYS = ['aether_api_key', 'apiKey', 'api_key', 'token', 'jwt', 'authorization', 'Authorization', 'x-api-key', 'X-Api-Key', 'password', 'secret'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `*.headers.${k}`, `req.headers.${k}`]);

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
}

export function createLogger({ file, level = process.env.AETHER_LOG_LEVEL ?? 'info', secrets }: LoggerOptions = {}): Logger {
  const destination = file ? pino.destination({ dest: file, mkdir: true, sync: false }) : pino.destination(1);
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[Redacted]' },
      hooks: {
        // Free text can carry a secret that no redact path reaches (an error message quoting a header).
        logMethod(args, method) {
          const known = secrets?.() ?? [];
          const mask = (s: string) => known.reduce((acc, secret) => (secret.length >= 4 ? acc.split(secret).join('[Redacted]') : acc), redactText(s));
          method.apply(this, args.map((a) => (typeof a === 'string' ? mask(a) : a)) as Parameters<typeof method>);
        },
      },
      serializers: { err: (err: unknown) => serializeError(err) },
    },
    destination,
  );
}

function serializeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { message: redactText(String(err)) };
  return { type: err.name, message: redactText(err.message), code: (err as { code?: unknown }).code };
}

/** A logger that drops everything, for tests and for modules used without one. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
