import type { Logger } from 'pino';
import { z } from 'zod';
import { AuthResponse } from '../contracts/api';
import type { SecretStore } from './secret-store';

/** The JWT is kept only through the SecretStore (safeStorage at the edge), never in the state folder. */
export const SESSION_SECRET_NAME = 'aether.session';

const StoredSession = AuthResponse.extend({ event_device_id: z.string() });

export function isFresh(auth: AuthResponse | null, now: number, marginMs: number): auth is AuthResponse {
  return auth !== null && Date.parse(auth.expires_at) - now > marginMs;
}

/** A kept JWT for this device that is still valid, or null. A damaged entry is dropped with a warning. */
export async function restoreSession(
  store: SecretStore,
  deviceId: string,
  now: number,
  marginMs: number,
  logger: Logger,
): Promise<AuthResponse | null> {
  const raw = await store.get(SESSION_SECRET_NAME);
  if (raw === null) return null;
  let parsed: z.infer<typeof StoredSession> | null = null;
  try {
    const result = StoredSession.safeParse(JSON.parse(raw));
    parsed = result.success ? result.data : null;
  } catch {
    parsed = null;
  }
  if (!parsed) {
    logger.warn('the kept session token is damaged; dropping it');
    await store.delete(SESSION_SECRET_NAME);
    return null;
  }
  if (parsed.event_device_id !== deviceId) return null;
  const auth = { token: parsed.token, expires_at: parsed.expires_at };
  return isFresh(auth, now, marginMs) ? auth : null;
}

export function saveSession(store: SecretStore, deviceId: string, auth: AuthResponse): Promise<void> {
  return store.set(
    SESSION_SECRET_NAME,
    JSON.stringify({ event_device_id: deviceId, token: auth.token, expires_at: auth.expires_at }),
  );
}
