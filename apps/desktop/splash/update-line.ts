import type { UpdateStatus } from '../../../update-helper/update-state';

/** The splash's update line (DESIGN §8: "a menu item and the splash show it"); nothing while idle. */

const MAX_REASON = 160;

export function updateLine({ state }: UpdateStatus): string | null {
  switch (state.kind) {
    case 'idle':
      return null;
    case 'seen':
    case 'verifying':
      return `Checking update ${state.version}…`;
    case 'waiting-for-payload': {
      const pct = state.need > 0 ? Math.floor((state.have / state.need) * 100) : 0;
      return `Update ${state.version} is syncing (${pct}%)`;
    }
    case 'staged':
      return `Update ${state.version} staged — restart to apply`;
    case 'applying':
      return `Updating to ${state.version}…`;
    case 'failed': {
      const reason = state.reason.length > MAX_REASON ? `${state.reason.slice(0, MAX_REASON - 1)}…` : state.reason;
      return `Update${state.version ? ` ${state.version}` : ''} failed: ${reason}`;
    }
  }
}

export interface UpdateLineTarget {
  textContent: string | null;
  hidden: boolean;
}

export type UpdateEvents = (handlers: { onData(status: UpdateStatus): void; onError(err: unknown): void }) => unknown;

/** Follows `update.events`; a bridge error hides the line (the splash's main line already says why). */
export function mountUpdateLine(target: UpdateLineTarget, events: UpdateEvents): void {
  target.hidden = true;
  events({
    onData(status) {
      const line = updateLine(status);
      target.textContent = line ?? '';
      target.hidden = line === null;
    },
    onError() {
      target.hidden = true;
    },
  });
}
