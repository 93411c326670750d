import path from 'node:path';
import type { Logger } from '../../base/logger';
import type { CacheFile } from '../../contracts/cache';
import type { Bootstrap } from '../../provisioning/bootstrap';
import type { BootstrapState } from '../../provisioning/bootstrap-state';
import { createEventFileList, EVENT_FILES_FILE, type EventFileList } from '../../provisioning/event-file-list';

export interface EventFilesWiringDeps {
  bootstrap: Pick<Bootstrap, 'api' | 'state' | 'subscribe'>;
  stateDir: string;
  /** The trusted side of the cache: the list it follows is the API's (cache/service `Cache.ensure`). */
  cache: { ensure(input: { files: CacheFile[] }): unknown };
  logger: Logger;
}

export interface DesktopEventFiles {
  list: EventFileList;
  close(): void;
}

function eventIdOf(state: BootstrapState): string | null {
  return state.kind === 'ready' || state.kind === 'offline-ready' ? state.identity.device.event_id : null;
}

/**
 * The device's event file list for the composition root (issue 10): fetched with the device's
 * credentials when bootstrap is ready and every `check_event_loop_period`, kept in the state folder
 * for an offline start, and handed to the cache as the list it syncs and gc keeps. The page's own
 * `cache.ensure` never replaces it (cache/page-cache.ts).
 */
export function wireEventFiles({ bootstrap, stateDir, cache, logger }: EventFilesWiringDeps): DesktopEventFiles {
  const log = logger.child({ module: 'event-files' });
  const list = createEventFileList({
    eventId: () => eventIdOf(bootstrap.state()),
    fetch: (eventId) => bootstrap.api().listEventFiles(eventId),
    file: path.join(stateDir, EVENT_FILES_FILE),
    logger: log,
  });
  // Only the list of the device's current event: a kept list of another event is never synced.
  const push = () => {
    const files = list.current();
    if (files) cache.ensure({ files: files.map((f) => ({ sha256: f.sha256, size: f.size })) });
  };
  const stopFollowing = list.subscribe(push);
  let timer: NodeJS.Timeout | null = null;
  let periodMs = 0;
  const follow = (state: BootstrapState) => {
    if (state.kind !== 'ready' && state.kind !== 'offline-ready') return;
    push();
    const next = state.identity.device.check_event_loop_period * 1000;
    if (next !== periodMs) {
      periodMs = next;
      if (timer) clearInterval(timer);
      timer = setInterval(() => void list.refresh({ force: true }), periodMs);
      timer.unref();
    }
    if (state.kind === 'ready') void list.refresh({ force: true });
  };
  void list.load().then(() => follow(bootstrap.state()));
  const unsubscribe = bootstrap.subscribe(follow);
  return {
    list,
    close() {
      unsubscribe();
      stopFollowing();
      if (timer) clearInterval(timer);
    },
  };
}
