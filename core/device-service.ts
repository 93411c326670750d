import { boundedText } from '../base/bounded-text';
import type { DeviceRecord } from '../contracts/api';
import { type Bootstrap, BootstrapNotReadyError } from '../provisioning/bootstrap';
import type { BootstrapState } from '../provisioning/bootstrap-state';
import { type IdentityStream, identifiedOf, identityOf } from './identity';

/**
 * The device record as the page's types see it. The record's index signature (extra fields pass
 * through at run time) would make tRPC's serialised output type every field `unknown`, so the
 * type keeps only the named fields.
 */
export type PageDeviceRecord = { [K in keyof DeviceRecord as string extends K ? never : K]: DeviceRecord[K] };

/** What `device.get` returns: who this laptop is and where it keeps things. Never the API key. */
export interface DeviceInfo {
  /** null until bootstrap has resolved an identity (the splash may ask earlier). */
  device: PageDeviceRecord | null;
  paths: { cache: string; temp: string; logs: string };
  mode: 'native';
  appVersion: string;
}

/** The JWT the page uses for its own API calls (DESIGN §5): the only secret that crosses the bridge. */
export interface DeviceSession {
  token: string;
  expires_at: string;
}

export interface SecretStorageNote {
  /** Whether the OS keychain encrypts the stored JWT. */
  encrypted: boolean;
  /** e.g. "keychain", "gnome_libsecret", "basic_text" */
  backend: string;
  note: string;
}

export interface DeviceStatus {
  state: BootstrapState;
  /** The API base URL in use (the one that answered last), or null before any did. */
  api: string | null;
  connectivity: 'online' | 'offline' | 'unknown';
  secretStorage: SecretStorageNote;
}

export interface DeviceService {
  info(): DeviceInfo;
  /** null when no JWT is known (never authenticated, or it expired while offline). */
  session(): Promise<DeviceSession | null>;
  status(): DeviceStatus;
  /** Calls the listener on every status change; returns the unsubscribe function. */
  onStatus(listener: (status: DeviceStatus) => void): () => void;
}

export interface DeviceServiceDeps {
  bootstrap: Pick<Bootstrap, 'state' | 'subscribe'>;
  identity: IdentityStream;
  session: () => Promise<DeviceSession | null>;
  paths: DeviceInfo['paths'];
  appVersion: string;
  secretStorage: SecretStorageNote;
}

function apiOf(state: BootstrapState): string | null {
  if ('api' in state && state.api) return state.api;
  return identityOf(state)?.api ?? null;
}

function connectivityOf(state: BootstrapState): DeviceStatus['connectivity'] {
  if (state.kind === 'ready') return 'online';
  if (state.kind === 'offline-ready' || state.kind === 'failed') return 'offline';
  return 'unknown';
}

/** The JWT for the page, or null when bootstrap has no seed (so no session) yet. */
export async function sessionOf(bootstrap: Pick<Bootstrap, 'session'>): Promise<DeviceSession | null> {
  try {
    const { token, expires_at } = await bootstrap.session();
    return { token, expires_at };
  } catch (err) {
    if (err instanceof BootstrapNotReadyError) return null;
    throw err;
  }
}

/**
 * The state as the page may see it: reasons are built from API answers and share files (already
 * masked and content-free at their source); here they are also bounded to one printable line, since
 * the page is remote content.
 */
function pageSafe(state: BootstrapState): BootstrapState {
  switch (state.kind) {
    case 'seeking-seed':
      return state.problem === undefined ? state : { ...state, problem: boundedText(state.problem, 500) };
    case 'offline-ready':
    case 'failed':
      return { ...state, reason: boundedText(state.reason, 500) };
    case 'authenticating':
    case 'identifying':
    case 'hydrating':
    case 'ready':
      return state;
  }
}

/** The `device` group's service: a read-only view of bootstrap for the page and the splash. */
export function createDeviceService({
  bootstrap,
  identity,
  session,
  paths,
  appVersion,
  secretStorage,
}: DeviceServiceDeps): DeviceService {
  const toStatus = (state: BootstrapState): DeviceStatus => ({
    state: pageSafe(state),
    api: apiOf(state),
    connectivity: connectivityOf(state),
    secretStorage,
  });
  return {
    info: () => ({ device: identifiedOf(identity.current())?.device ?? null, paths, mode: 'native', appVersion }),
    session,
    status: () => toStatus(bootstrap.state()),
    onStatus: (listener) => bootstrap.subscribe((state) => listener(toStatus(state))),
  };
}
