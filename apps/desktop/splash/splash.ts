import type { BootstrapState } from '../../../provisioning/bootstrap-state';
import { bridgeErrorCode, createNativeClient, detectMode } from '../../../router/client';
import { readNotice, showNotice } from './notice';
import { mountPermissionsPanel } from './permissions-panel';
import { mountUpdateLine } from './update-line';

/** The splash page: shows bootstrap as it goes, live through the bridge (device.onStatus). */

const LABELS: Record<BootstrapState['kind'], string> = {
  'seeking-seed': 'Looking for this laptop’s seed…',
  authenticating: 'Signing in to the Aether API…',
  identifying: 'Asking who this laptop is…',
  hydrating: 'Loading the room’s settings…',
  ready: 'Ready: opening the launcher…',
  'offline-ready': 'Offline: opening the launcher with what this laptop knew…',
  failed: 'Could not start yet; retrying…',
};

function detail(state: BootstrapState): string {
  if (state.kind === 'seeking-seed') return state.waitingFor ? `Waiting for ${state.waitingFor.file} in ${state.waitingFor.folder}` : (state.problem ?? '');
  if (state.kind === 'failed' || state.kind === 'offline-ready') return state.reason;
  return 'api' in state && state.api ? state.api : '';
}

function show(text: string, more = ''): void {
  const stateEl = document.getElementById('state');
  const detailEl = document.getElementById('detail');
  if (stateEl) stateEl.textContent = text;
  if (detailEl) detailEl.textContent = more;
}

const notice = readNotice(location.search);

if (detectMode() !== 'native') {
  show('This page only works inside Aether Native.');
} else if (notice) {
  showNotice(notice, show);
} else {
  const client = createNativeClient();
  client.device.onStatus.subscribe(undefined, {
    onData: ({ state }) => show(LABELS[state.kind], detail(state)),
    onError: (err) => show('The splash cannot reach the app.', bridgeErrorCode(err) ?? String(err)),
  });
  const updateEl = document.getElementById('update');
  if (updateEl) mountUpdateLine(updateEl, (handlers) => client.update.events.subscribe(undefined, handlers));
  const panel = document.getElementById('permissions');
  if (panel) {
    mountPermissionsPanel(panel, {
      status: () => client.permissions.status.query(),
      request: (kind) => client.permissions.request.mutate({ kind }),
      continueWithout: () => client.permissions.continueWithout.mutate(),
    });
  }
}
