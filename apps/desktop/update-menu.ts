import type { App, Menu as MenuClass, MenuItemConstructorOptions } from 'electron';
import type { Logger } from '../../base/logger';
import type { UpdateService } from '../../router/update';
import type { UpdateStatus } from '../../update-helper/update-state';

export interface UpdateMenuActions {
  check(): void;
  apply(): void;
}

/** The update entries of the app menu for one update state: "Check for Updates…" plus what is going on. */
export function updateMenuItems({ state }: UpdateStatus, actions: UpdateMenuActions): MenuItemConstructorOptions[] {
  const check: MenuItemConstructorOptions = {
    id: 'update-check',
    label: 'Check for Updates…',
    click: () => actions.check(),
  };
  switch (state.kind) {
    case 'staged':
      return [
        { id: 'update-apply', label: `Restart to Update to ${state.version}`, click: () => actions.apply() },
        check,
      ];
    case 'applying':
      return [{ id: 'update-status', label: `Updating to ${state.version}…`, enabled: false }];
    case 'waiting-for-payload': {
      const pct = state.need > 0 ? Math.floor((state.have / state.need) * 100) : 0;
      return [{ id: 'update-status', label: `Update ${state.version} is syncing (${pct}%)`, enabled: false }, check];
    }
    case 'seen':
    case 'verifying':
      return [{ id: 'update-status', label: `Checking update ${state.version}…`, enabled: false }, check];
    case 'failed':
      return [{ id: 'update-status', label: `Update failed: ${state.reason.slice(0, 80)}`, enabled: false }, check];
    case 'idle':
      return [check];
  }
}

export interface UpdateMenuDeps {
  Menu: Pick<typeof MenuClass, 'buildFromTemplate' | 'setApplicationMenu'>;
  app: Pick<App, 'name'>;
  update: UpdateService;
  logger: Logger;
}

/** Installs the app menu with the update entries and rebuilds it on every update state change. */
export function installUpdateMenu({ Menu, app, update, logger }: UpdateMenuDeps): () => void {
  const actions: UpdateMenuActions = {
    check: () => void update.checkNow().catch((err: unknown) => logger.warn({ err }, 'Check for Updates failed')),
    apply: () =>
      void update.apply().catch((err: unknown) => logger.warn({ err }, 'applying the update from the menu failed')),
  };
  const render = (status: UpdateStatus) => {
    const template: MenuItemConstructorOptions[] = [
      {
        label: app.name,
        submenu: [
          { role: 'about' },
          { type: 'separator' },
          ...updateMenuItems(status, actions),
          { type: 'separator' },
          { role: 'hide' },
          { role: 'quit' },
        ],
      },
      // Copy and paste shortcuts on macOS come from the Edit menu; replacing the menu must keep it.
      { role: 'editMenu' },
    ];
    Menu.setApplicationMenu(Menu.buildFromTemplate(template));
  };
  render(update.status());
  return update.subscribe(render);
}
