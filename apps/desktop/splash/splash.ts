import { bridgeErrorCode, createNativeClient, detectMode } from '../../../router/client';
import { bootstrapDetail, bootstrapHeadline } from './bootstrap-line';
import { readNotice, showNotice } from './notice';
import { mountPermissionsPanel } from './permissions-panel';
import { mountReadinessList } from './readiness-line';
import { mountUpdateLine } from './update-line';

/** The splash page: shows bootstrap as it goes, live through the bridge (device.onStatus). */

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
    onData: ({ state }) => show(bootstrapHeadline(state), bootstrapDetail(state)),
    onError: (err) => show('The splash cannot reach the app.', bridgeErrorCode(err) ?? String(err)),
  });
  const updateEl = document.getElementById('update');
  if (updateEl) mountUpdateLine(updateEl, (handlers) => client.update.events.subscribe(undefined, handlers));
  // Sessions about to start that are not show-ready (no hashes asked: the answer's sessions are the point).
  const readinessEl = document.getElementById('readiness');
  if (readinessEl) mountReadinessList(readinessEl, () => client.cache.status.query({ hashes: [] }));
  const panel = document.getElementById('permissions');
  if (panel) {
    mountPermissionsPanel(panel, {
      status: () => client.permissions.status.query(),
      request: (kind) => client.permissions.request.mutate({ kind }),
      continueWithout: () => client.permissions.continueWithout.mutate(),
    });
  }
}
