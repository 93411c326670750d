import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY, type TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { redactText } from '../base/logger';

/** What the page receives in `err.data` for every failed bridge call. */
export type BridgeErrorData = {
  code: TRPC_ERROR_CODE_KEY;
  httpStatus: number;
  path?: string;
  /** Only in development: a packaged app never shows its internals to the page. */
  stack?: string;
};

export type BridgeErrorShape = {
  message: string;
  code: number;
  data: BridgeErrorData;
};

function isErrorCode(value: unknown): value is TRPC_ERROR_CODE_KEY {
  return typeof value === 'string' && Object.hasOwn(TRPC_ERROR_CODES_BY_KEY, value);
}

/**
 * electron-trpc 0.7.x bundles its own TRPCError class, so its `instanceof` check fails for ours and
 * it wraps every procedure error as INTERNAL_SERVER_ERROR with the original as `cause`. The code the
 * procedure meant is restored from that cause (matched by name and code, never by class identity).
 */
export function intendedErrorCode(error: { code: string; cause?: unknown }): TRPC_ERROR_CODE_KEY {
  const cause = error.cause as { name?: unknown; code?: unknown } | undefined;
  if (error.code === 'INTERNAL_SERVER_ERROR' && cause?.name === 'TRPCError' && isErrorCode(cause.code))
    return cause.code;
  return isErrorCode(error.code) ? error.code : 'INTERNAL_SERVER_ERROR';
}

const INTERNAL_MESSAGE = 'Aether Native hit an internal error; the details are in its log.';

export function formatBridgeError(error: TRPCError, path: string | undefined, development: boolean): BridgeErrorShape {
  const code = intendedErrorCode(error);
  const internal = code === 'INTERNAL_SERVER_ERROR';
  const message = internal && !development ? INTERNAL_MESSAGE : redactText(error.message);
  const data: BridgeErrorData = { code, httpStatus: getHTTPStatusCodeFromError({ code } as TRPCError) };
  if (path !== undefined) data.path = path;
  if (development && error.stack) data.stack = redactText(error.stack);
  return { message, code: TRPC_ERROR_CODES_BY_KEY[code], data };
}
