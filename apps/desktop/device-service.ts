import type { Bootstrap } from '../../provisioning/bootstrap';
import { BootstrapNotReadyError } from '../../provisioning/bootstrap';
import type { BootstrapState, ResolvedIdentity } from '../../provisioning/bootstrap-state';
import type { DeviceInfo, DeviceService, DeviceStatus, SecretStorageNote } from '../../router/device';
import { boundedText } from '../../base/bounded-text';

export interface DeviceServiceDeps {
  bootstrap: Pick<Bootstrap, 'state' | 'subscribe' | 'session'>;
  paths: DeviceInfo['paths'];
  appVersion: string;
  secretStorage: SecretStorageNote;
}

function identityOf(state: BootstrapState): ResolvedIdentity | null {
  return state.kind === 'ready' || state.kind === 'offline-ready' ? state.identity : null;
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
export function createDeviceService({ bootstrap, paths, appVersion, secretStorage }: DeviceServiceDeps): DeviceService {
  const toStatus = (state: BootstrapState): DeviceStatus => ({ state: pageSafe(state), api: apiOf(state), connectivity: connectivityOf(state), secretStorage });
  return {
    info: () => ({ device: identityOf(bootstrap.state())?.device ?? null, paths, mode: 'native', appVersion }),
    async session() {
      try {
        const { token, expires_at } = await bootstrap.session();
        return { token, expires_at };
      } catch (err) {
        if (err instanceof BootstrapNotReadyError) return null;
        throw err;
      }
    },
    status: () => toStatus(bootstrap.state()),
    onStatus: (listener) => bootstrap.subscribe((state) => listener(toStatus(state))),
  };
}
