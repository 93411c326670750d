import type { Bootstrap } from '../../provisioning/bootstrap';
import { BootstrapNotReadyError } from '../../provisioning/bootstrap';
import type { BootstrapState, ResolvedIdentity } from '../../provisioning/bootstrap-state';
import type { DeviceInfo, DeviceService, DeviceStatus, SecretStorageNote } from '../../router/device';

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

/** The `device` group's service: a read-only view of bootstrap for the page and the splash. */
export function createDeviceService({ bootstrap, paths, appVersion, secretStorage }: DeviceServiceDeps): DeviceService {
  const toStatus = (state: BootstrapState): DeviceStatus => ({ state, api: apiOf(state), connectivity: connectivityOf(state), secretStorage });
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
