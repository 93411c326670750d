import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { DeviceTokens } from './auth';

export type BearerResult = { kind: 'missing' } | { kind: 'invalid' } | { kind: 'valid'; deviceId: string };

export async function readBearer(req: IncomingMessage, tokens: DeviceTokens): Promise<BearerResult> {
  const header = req.headers.authorization;
  if (!header) return { kind: 'missing' };
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match?.[1]) return { kind: 'invalid' };
  const deviceId = await tokens.verify(match[1]);
  return deviceId ? { kind: 'valid', deviceId } : { kind: 'invalid' };
}

export function apiKeyHeader(req: IncomingMessage): string | undefined {
  const value = req.headers['x-api-key'];
  return Array.isArray(value) ? value[0] : value;
}

export function apiKeyMatches(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
